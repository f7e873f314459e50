"""The dashboard's cost must not follow the number of findings and tasks."""
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from benchmarks import benchmark
from benchmarks.bench_compliance import build


@benchmark("dashboard_findings", "dashboard: 50 vs 2 000 findings and 20 vs 800 tasks (should stay nearly flat)")
def dashboard_findings(timer):
    from inspections.models import Finding
    from organizations.models import Unit
    from tasks.models import Task

    for tag, findings, tasks in (("d50", 50, 20), ("d2000", 2000, 800)):
        campaign, user = build(tag, 41, 12)
        units = [Unit.objects.create(name=f"{tag}单位{i}", kind=Unit.Kind.DEPARTMENT, parent=campaign.city)
                 for i in range(20)]
        today = timezone.localdate()
        Finding.objects.bulk_create([
            Finding(campaign=campaign, unit=units[i % 20], found_on=today - timedelta(days=i % 60),
                    deadline=today + timedelta(days=(i % 30) - 15), description=f"问题{i}", address="人民路",
                    status=["assigned", "in_rectification", "submitted", "closed"][i % 4])
            for i in range(findings)
        ], batch_size=500)
        Task.objects.bulk_create([
            Task(campaign=campaign, seq=i + 1, content=f"任务{i}", lead_unit=units[i % 20],
                 due_on=today + timedelta(days=(i % 40) - 20))
            for i in range(tasks)
        ], batch_size=500)
        client = Client()
        client.force_login(user)
        url = f"/reports/dashboard/?campaign={campaign.pk}"
        response = client.get(url)
        assert response.status_code == 200 and campaign.name in response.content.decode()
        for _ in range(3):  # warm caches before timing
            client.get(url)
        timer.measure(f"GET dashboard, {findings} findings / {tasks} tasks", lambda: client.get(url), repeat=9)


# Pages at the synthetic city's sizes (measured by bench_briefing's loop, which builds 1× and
# then grows the same database to BENCH_SCALE): the office's dashboard and a unit's task list.
PAGES = (("dashboard", "office", "/reports/dashboard/"), ("task_list", "zhujian", "/tasks/"))


def measure_pages(timer, label, out):
    """Time each page (median of 7, after a warm-up) and count its queries; out[page] gets
    (seconds, queries) appended, one per size."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    for page, username, url in PAGES:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        assert client.get(url).status_code == 200
        client.get(url)
        queries = []
        # Counted with a wrapper: the test client's request_started clears connection.queries.
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            client.get(url)
        seconds = timer.measure(f"GET {url} as {username}, {label}", lambda: client.get(url), repeat=7)
        timer.note(f"  {page} queries at {label}", str(len(queries)))
        out.setdefault(page, []).append((seconds, len(queries)))


def record_pages(timer, out):
    for page, key in (("dashboard", "dashboard_scale"), ("task_list", "task_list_scale")):
        (small_s, small_q), (large_s, large_q) = out[page][0], out[page][-1]
        timer.figure(key, small_s=small_s, large_s=large_s, small_queries=small_q, large_queries=large_q)
