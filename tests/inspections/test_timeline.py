"""The timeline: who did what, when, from which status to which, in order."""
from datetime import timedelta

import time_machine
from django.utils import timezone

from inspections import services
from inspections.models import Finding

from .conftest import photo

S = Finding.Status


class TimelineTests:
    def test_a_full_lifecycle_reads_as_a_story(self, make_finding, lead_staff, inspector, office_admin):
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            f = make_finding()
        steps = [
            (1, lambda: services.finding_start(finding=f, user=lead_staff, note="已安排施工")),
            (2, lambda: services.extension_request_create(finding=f, user=lead_staff, reason="苗木未到",
                                                          requested_deadline=f.deadline + timedelta(days=5))),
            (3, lambda: services.extension_request_approve(extension=f.extension_requests.get(), user=office_admin)),
            (4, lambda: services.finding_submit(finding=f, user=lead_staff, note="已补植", photos=[photo()])),
            (5, lambda: services.finding_return(finding=f, user=inspector, reason="规格不符")),
            (6, lambda: services.finding_submit(finding=f, user=lead_staff, note="已更换苗木", photos=[photo()])),
            (7, lambda: services.finding_close(finding=f, user=inspector, note="复核通过")),
        ]
        for hours, step in steps:
            with time_machine.travel(start + timedelta(hours=hours), tick=False):
                step()
        rows = [(e.kind, e.from_status, e.to_status, e.actor, e.note) for e in f.events.all()]
        assert rows == [
            ("created", "", S.ASSIGNED, inspector, rows[0][4]),
            ("started", S.ASSIGNED, S.IN_RECTIFICATION, lead_staff, "已安排施工"),
            ("extension_requested", "", "", lead_staff, "苗木未到"),
            ("extension_approved", "", "", office_admin, ""),
            ("submitted", S.IN_RECTIFICATION, S.SUBMITTED, lead_staff, "已补植"),
            ("returned", S.SUBMITTED, S.RETURNED, inspector, "规格不符"),
            ("submitted", S.RETURNED, S.SUBMITTED, lead_staff, "已更换苗木"),
            ("closed", S.SUBMITTED, S.CLOSED, inspector, "复核通过"),
        ]
        times = [e.at for e in f.events.all()]
        assert times == sorted(times) and times[-1] == start + timedelta(hours=7)
        assert all(e.actor_name for e in f.events.all())
        assert f.photos.filter(kind="after").count() == 2
