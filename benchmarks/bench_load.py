"""Loopback load (issue 13): gunicorn with several workers on the benchmark's database, a
Celery worker and beat beside it, and wrk on 127.0.0.1 — 50 office users on the dashboard and
50 unit users on their task lists at once, each reading a page for THINK_MS (on average) before
the next, for LOAD_SECONDS. Prints p95 and the error count;
target p95 ≤ 300 ms on the 2-core machine, 0 errors.

wrk (Debian's package, installed by scripts/ensure-system-deps.sh) rather than locust: a C
client costs the server little of the two shared cores, where locust's Python users would
take a core of their own and inflate the figure it measures. Each connection sends the
session cookie of one of the users, each logged in once by the test client (force_login: no
password round, so axes' lockout never counts a thing). Runs on the database the others use:
after bench_briefing that is the 100× city, alone (`make bench loopback`) the demo.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import benchmark

USERS = 50
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "4"))
# Users, not a flood: each connection is one user who reads a page before the next request.
# 100 connections firing back to back would measure the queue in front of the workers
# (100 ÷ workers × the server time), not what a user waits.
THINK_MS = int(os.environ.get("BENCH_LOAD_THINK_MS", "5000"))

# Per connection one user's cookie; every non-200 answer counts as an error (a lost session
# would answer 302 to the login page, which wrk alone would not count).
LUA = """
local cookies = {%(cookies)s}
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
  n = id
end
function request()
  n = n %% #cookies + 1
  return wrk.format("GET", "%(path)s", {["Cookie"] = "sessionid=" .. cookies[n]})
end
function delay()
  -- a user reads the page before the next click: THINK ms on average, 0.5–1.5× at random
  return math.random(%(think_lo)d, %(think_hi)d)
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "errors": %%d}\\n',
    summary.requests, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    bad_total + e.connect + e.read + e.write + e.timeout))
end
"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _users(prefix, unit, role, n):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from organizations.models import Membership, Person

    User = get_user_model()
    cookies = []
    for i in range(n):
        user, created = User.objects.get_or_create(username=f"{prefix}{i}")
        if created:
            Membership.objects.create(user=user, unit=unit, role=role)
            Person.objects.create(name=f"{prefix}{i}", unit=unit, user=user)
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


def _wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def _start(cmd, env, log):
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@benchmark("loopback_load", f"loopback load: gunicorn ({WORKERS} workers) + Celery worker and beat, {USERS} office users on "
                   f"the dashboard and {USERS} unit users on their task lists, {LOAD_SECONDS} s (p95 ≤ 300 ms)")
def load(timer):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from organizations.models import Membership, Unit

    wrk = shutil.which("wrk")
    if wrk is None:
        timer.note("skipped", "wrk is not installed (scripts/ensure-system-deps.sh installs it)")
        return
    if not Unit.objects.filter(kind=Unit.Kind.OFFICE).exists():
        call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    office = Unit.objects.filter(kind=Unit.Kind.OFFICE).first()
    unit = Membership.objects.filter(role=Membership.Role.UNIT_STAFF, user__username="zhujian").first().unit
    office_cookies = _users("load_office", office, Membership.Role.OFFICE, USERS)
    unit_cookies = _users("load_unit", unit, Membership.Role.UNIT_STAFF, USERS)

    workdir = Path(tempfile.mkdtemp(prefix="garden-load-"))
    python = sys.executable
    bin_dir = Path(python).parent
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": settings.SECRET_KEY,
           "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_COOKIES": "0", "DJANGO_HSTS_SECONDS": "0",
           "DATABASE_URL": os.environ["DATABASE_URL"], "APP_VAR_DIR": os.environ["APP_VAR_DIR"],
           "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "filesystem://"),
           "PYTHONUNBUFFERED": "1"}
    # DEBUG off serves hashed static names from the manifest collectstatic writes.
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, check=True,
                   cwd=Path(__file__).resolve().parent.parent)
    port = _free_port()
    log = open(workdir / "servers.log", "w")
    connection.close()  # the servers get the database's connections to themselves
    procs = [_start([str(bin_dir / "gunicorn"), "config.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
                     "--access-logfile", "-" if os.environ.get("BENCH_LOAD_ACCESS_LOG") else "/dev/null"], env, log)]
    procs.append(_start([str(bin_dir / "celery"), "-A", "config", "worker", "-c", "1", "-l", "warning"], env, log))
    procs.append(_start([str(bin_dir / "celery"), "-A", "config", "beat", "-l", "warning",
                         "-s", str(workdir / "beat-schedule")], env, log))
    try:
        started = time.monotonic()
        if not _wait_for(port):
            timer.note("failed", f"gunicorn did not listen in 30 s; see {workdir / 'servers.log'}")
            return
        scripts = {}
        for name, path, cookies in (("office", "/reports/dashboard/", office_cookies),
                                    ("unit", "/tasks/", unit_cookies)):
            script = workdir / f"{name}.lua"
            script.write_text(LUA % {"cookies": ", ".join(f'"{c}"' for c in cookies), "path": path,
                                     "think_lo": THINK_MS // 2, "think_hi": THINK_MS * 3 // 2})
            scripts[name] = script
        # A short warm-up (each worker's first requests load templates and translations).
        subprocess.run([wrk, "-t", "1", "-c", "8", "-d", "3s", "-s", str(scripts["office"]),
                        f"http://127.0.0.1:{port}"], capture_output=True, timeout=30)
        runs = {name: subprocess.Popen([wrk, "-t", "1", "-c", str(USERS), "-d", f"{LOAD_SECONDS}s", "--timeout", "10s",
                                        "-s", str(script), f"http://127.0.0.1:{port}"],
                                       stdout=subprocess.PIPE, text=True)
                for name, script in scripts.items()}
        results = {}
        for name, proc in runs.items():
            out, _ = proc.communicate(timeout=LOAD_SECONDS + 30)
            results[name] = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()
    for name, r in results.items():
        timer.note(f"{name}: p50 / p95 / p99", f"{r['p50_us'] / 1000:.0f} / {r['p95_us'] / 1000:.0f} / "
                                               f"{r['p99_us'] / 1000:.0f} ms, {r['requests']} requests, "
                                               f"{r['errors']} errors")
    worst = max(r["p95_us"] for r in results.values()) / 1000
    timer.figure("load", p95_ms=worst, errors=sum(r["errors"] for r in results.values()),
                 requests=sum(r["requests"] for r in results.values()), workers=WORKERS, seconds=LOAD_SECONDS,
                 cores=os.cpu_count(), think_ms=THINK_MS, dashboard_p95_ms=results["office"]["p95_us"] / 1000,
                 list_p95_ms=results["unit"]["p95_us"] / 1000)
