"""Write the demo ledgers of 示例市 (the current versions the demo seed confirms) to
fixtures/ledgers/, so a user can download them, edit and upload them again."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from ledgers.demo import DISTRICTS, demo_workbook, file_name, generate

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "ledgers"


class Command(BaseCommand):
    help = "Write the demo ledgers of 示例市 to fixtures/ledgers/ (deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(FIXTURE_DIR))

    def handle(self, *args, **options):
        folder = Path(options["dir"])
        folder.mkdir(parents=True, exist_ok=True)
        for key, (_unit, _user, rows) in generate().items():
            path = folder / file_name(key)
            path.write_bytes(demo_workbook(key, rows, list(DISTRICTS)))
            self.stdout.write(f"{path} ({len(rows)} 行)")
