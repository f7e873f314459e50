"""`make run`'s supervisor (scripts/run-embedded.sh): worker and beat are separate processes,
nothing outlives the script's end, and a start after a crash stops what the crash left behind.

Real processes (the web server, a worker and a beat on the filesystem broker, twice): no
Redis or PostgreSQL needed, so it runs everywhere, but it is slow for a test, hence `worker`.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parent.parent
NAMES = ("web", "worker", "beat")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pgid):
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def groups(run):
    try:
        return {name: int((run / f"{name}.pgid").read_text()) for name in NAMES}
    except (FileNotFoundError, ValueError):
        return None


class RunEmbeddedTests:
    def test_a_restart_after_a_crash_leaves_no_orphan_and_an_exit_stops_everything(self, tmp_path):
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
        env.update(APP_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
                   VENV=str(Path(sys.executable).parent.parent), PORT=str(free_port()))
        run = tmp_path / "run"
        seen = []

        def start():
            return subprocess.Popen(["bash", str(ROOT / "scripts/run-embedded.sh")], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

        first = start()
        try:
            assert wait_for(lambda: groups(run) and all(map(alive, groups(run).values())), seconds=120)
            crashed = groups(run)
            seen.append(crashed)
            assert len(set(crashed.values())) == 3  # three processes, three groups: beat is not the worker's
            first.send_signal(signal.SIGKILL)  # no trap runs: worker, beat and web are orphans now
            first.wait()
            assert all(map(alive, crashed.values()))

            second = start()
            # Stopping the orphans may take up to 20 s per group (TERM, then KILL) before the new
            # ones start: on a loaded machine that is the whole first minute.
            assert wait_for(lambda: groups(run) and groups(run) != crashed and all(map(alive, groups(run).values())),
                            seconds=180)
            seen.append(groups(run))
            assert not any(map(alive, crashed.values()))  # the orphans were stopped first

            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=180) == 0
            assert not any(map(alive, seen[-1].values()))
            assert not list(run.glob("*.pgid"))
        finally:
            seen.append(groups(run) or {})  # what a failed wait above left running, too
            for recorded in seen:
                for pgid in recorded.values():
                    if alive(pgid):
                        os.killpg(pgid, signal.SIGKILL)
