"""Load the demo city and campaigns. Safe to run again: it reuses what exists."""
from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Each app that contributes demo data has a demo.py with seed(context); order matters.
DEMO_MODULES = [
    "organizations.demo",
    "indicators.demo",
    "ledgers.demo",
    "tasks.demo",
    "inspections.demo",
    "visits.demo",  # material assignments follow the task table's lead units
    "indicators.demo_history",  # snapshots once every value exists
    "reports.demo",
    "planner.demo",  # the map's district outlines
]


class Command(BaseCommand):
    help = "Load the demo city 示例市, its units, people, logins and campaigns (idempotent)."

    def handle(self, *args, **options):
        call_command("load_standards", verbosity=0)
        context = {"stdout": self.stdout}
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue
                raise
            module.seed(context)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 / demo data ready"))
        self.stdout.write("")
        self.stdout.write("  登录 http://127.0.0.1:8000/ — demo logins (username / password):")
        for username, password, name, title, unit, roles in context.get("logins", []):
            self.stdout.write(f"    {username:<12} {password}   {name} · {unit} · {title} [{', '.join(roles)}]")
        self.stdout.write("")
