"""Load the shipped measures and standards from fixtures/standards/ (idempotent).

Measures are always brought in line with the file (they are code-coupled: formula keys).
A standard that already exists is left alone unless --update is given, because the
campaign office corrects standards in the browser and `make run` re-runs the demo seed:
a plain re-run must never overwrite their corrections with the shipped values.
"""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators.models import Standard
from indicators.standards import StandardDataError, measures_apply, standard_apply, standard_data_load

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "standards"
STANDARD_FILES = ["garden-city-2016.json", "eco-garden-2022.json"]


class Command(BaseCommand):
    help = "Load measures and the garden-city / eco-garden standards from fixtures/standards/ (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Also update standards that already exist to match the files."
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")
        parser.add_argument("--dir", default=str(FIXTURE_DIR), help="Folder holding measures.json and the standards.")

    def handle(self, *args, **options):
        folder = Path(options["dir"])
        say = self.stdout.write if options["verbosity"] >= 1 else (lambda *a, **k: None)
        note = _("加载内置标准数据")
        try:
            measures = measures_apply(data=standard_data_load(folder / "measures.json"), note=note)
        except (OSError, ValueError, StandardDataError) as exc:
            raise CommandError(f"measures.json: {exc}") from exc
        say(
            _("度量：新增 %(new)s，修改 %(changed)s，未变 %(unchanged)s") % measures
        )
        for name in STANDARD_FILES:
            try:
                data = standard_data_load(folder / name)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{name}: {exc}") from exc
            if Standard.objects.filter(code=data.get("code")).exists() and not options["update"]:
                say(_("%(code)s：已存在，保持不变（使用 --update 按文件更新）") % {"code": data["code"]})
                continue
            try:
                changeset = standard_apply(data=data, dry_run=options["dry_run"], note=note)
            except StandardDataError as exc:
                raise CommandError(f"{name}:\n" + "\n".join(exc.errors)) from exc
            counts = changeset.counts()
            say(
                _(
                    "%(code)s：指标 新增 %(new)s，修改 %(changed)s，未变 %(unchanged)s；"
                    "大类/大项 新增 %(nodes_new)s，修改 %(nodes_changed)s"
                )
                % {"code": changeset.code, **counts}
            )
            for change in changeset.changed:
                fields = "、".join(row.label for row in change.rows)
                say(f"  {change.code} {change.name}: {fields}")
        if options["dry_run"]:
            say(_("（试运行，未写入）"))
