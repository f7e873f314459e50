"""config/celery.py: late acknowledgement, time and memory limits, and a Redis visibility
timeout fitted to the longest job."""
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.celery import _job_limits, app


@pytest.fixture(autouse=True)
def _conf_restored():
    keys = ("task_time_limit", "task_soft_time_limit", "worker_max_memory_per_child")
    saved = {k: app.conf[k] for k in keys}
    yield
    app.conf.update(saved)


class JobLimitTests:
    def test_jobs_are_acknowledged_late_one_at_a_time_and_rejected_when_their_worker_is_lost(self):
        assert (app.conf.task_acks_late, app.conf.task_reject_on_worker_lost, app.conf.worker_prefetch_multiplier) == (
            True, True, 1)

    def test_every_job_has_a_hard_time_limit_and_workers_a_memory_cap(self, settings):
        settings.JOBS_TIME_LIMIT_SECONDS, settings.JOBS_MAX_MEMORY_PER_CHILD_MB = 900, 512
        _job_limits()
        assert (app.conf.task_soft_time_limit, app.conf.task_time_limit) == (870, 900)
        assert app.conf.worker_max_memory_per_child == 512 * 1024

    def test_the_visibility_timeout_outlasts_the_longest_job(self, settings):
        settings.JOBS_TIME_LIMIT_SECONDS, settings.LEDGER_PARSE_TIME_LIMIT_SECONDS = 1800, 300
        assert _job_limits() == 1800 + 300
        settings.LEDGER_PARSE_TIME_LIMIT_SECONDS = 3600
        assert _job_limits() == 3630 + 300

    def test_a_visibility_timeout_shorter_than_a_job_is_refused(self, settings):
        settings.CELERY_VISIBILITY_TIMEOUT = 600
        with pytest.raises(ImproperlyConfigured, match="longer than the longest job"):
            _job_limits()
