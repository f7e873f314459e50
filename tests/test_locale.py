"""The English catalogue is complete: every msgid in the code has an English msgstr."""
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv/*", "var/*", "tests/*", "docs/*", "benchmarks/*", "node_modules/*"]


class EnglishCatalogueTests:
    def test_every_entry_is_translated_and_none_is_fuzzy(self):
        po = polib.pofile(str(PO))
        missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
        assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"
        assert not [e.msgid for e in po.fuzzy_entries()]

    def test_the_compiled_catalogue_matches_the_source(self):
        po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.pofile(str(PO)) if not e.obsolete}
        mo = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(PO.with_suffix(".mo")))}
        mo.pop((None, ""), None)
        assert po == mo, "run `make messages` to recompile locale/en/LC_MESSAGES/django.mo"

    @pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext not installed")
    def test_no_string_in_the_code_is_missing_from_the_catalogue(self, tmp_path):
        target = tmp_path / "en" / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(PO, target / "django.po")
        with override_settings(LOCALE_PATHS=[str(tmp_path)]):
            call_command("makemessages", locale=["en"], no_obsolete=True, no_location=True, ignore_patterns=IGNORE,
                         verbosity=0)
        fresh = polib.pofile(str(target / "django.po"))
        missing = [e.msgid for e in fresh if not e.obsolete and not e.translated()]
        assert not missing, f"{len(missing)} strings lack English, e.g. {missing[:8]} — run `make messages`"
