"""Every messy workbook of the corpus gives its expected parse; every refused one writes nothing."""
import io

import pytest

from ledgers.models import Ledger, LedgerRow, LedgerUpload, LedgerVersion
from ledgers.schemas import LEDGER_TYPES
from ledgers.services import ledger_upload_create, ledger_upload_parse
from ledgers.validation import Context, MeasureInfo, validate_workbook

from .messy import CORPUS, DISTRICTS

MEASURES = {"城市污水处理率": MeasureInfo("sewage_treatment_rate", "城市污水处理率", "%", False, "")}


def parse(messy):
    ctx = Context(file_name=messy.file_name, districts=DISTRICTS, city_name="示例市", formulas=messy.formulas,
                  own_district=messy.own_district, measures=MEASURES)
    return validate_workbook(io.BytesIO(messy.build()), LEDGER_TYPES[messy.ledger_type], ctx)


class MessyCorpusTests:
    def test_the_corpus_has_thirty_workbooks_covering_every_point_of_the_issue(self):
        assert len(CORPUS) >= 30
        assert {1, 2, 3, 4, 5, 6, 7, 9, 11} <= {m.point for m in CORPUS}
        assert len({m.key for m in CORPUS}) == len(CORPUS)

    @pytest.mark.parametrize("messy", CORPUS, ids=[m.key for m in CORPUS])
    def test_it_parses_each_workbook_as_expected(self, messy):
        outcome = parse(messy)
        messy.check(outcome)
        assert outcome.fatal == messy.refused

    @pytest.mark.parametrize("messy", [m for m in CORPUS if m.refused], ids=[m.key for m in CORPUS if m.refused])
    def test_a_refused_workbook_writes_nothing(self, messy, districts, unit_a, lead_staff):
        models = (LedgerRow, LedgerVersion)
        before = [m.objects.count() for m in models]
        upload = ledger_upload_create(unit=unit_a, ledger_type=messy.ledger_type, file=messy.build(), user=lead_staff,
                                      file_name=messy.file_name)
        upload = ledger_upload_parse(upload=upload)
        assert upload.status == LedgerUpload.Status.FAILED
        assert [m.objects.count() for m in models] == before
        assert messy.file_name in upload.result["errors"][0]["message"]
        assert Ledger.objects.filter(unit=unit_a).count() <= 1
