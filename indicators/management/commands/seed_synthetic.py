"""Build a synthetic city of any size: the demo city grown `--scale` times (issue 13)."""
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Seed the demo city, then grow it to --scale times its size with bulk writes (findings, tasks, "
            "ledger rows, weekly snapshots, up to 16 districts). Deterministic; run on a fresh database.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="1 = the demo city; 100 ≈ a megacity")

    def handle(self, *args, scale, **options):
        from indicators.synthetic import build, sizes

        if scale < 1:
            raise CommandError("--scale must be 1 or more")
        started = time.perf_counter()
        try:
            counts = build(scale, stdout=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        planned = sizes(scale)
        self.stdout.write(self.style.SUCCESS(
            f"synthetic city at scale {scale} ready in {time.perf_counter() - started:.0f} s: "
            f"{planned['districts']} districts, {counts.get('units', 0)} new units, "
            f"{counts.get('findings', 0)} new findings, {counts.get('tasks', 0)} new tasks, "
            f"{counts.get('ledger_rows', 0)} new ledger rows, {counts.get('snapshots', 0)} new snapshots"))
