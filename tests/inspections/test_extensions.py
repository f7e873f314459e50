"""Extension requests (延期申请): asked by the unit before the deadline, decided by the office."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from inspections import services
from inspections.models import ExtensionRequest, Finding
from inspections.services import TransitionNotAllowed
from organizations.models import AuditEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")
FOUND = date(2026, 3, 2)


def at(day, hour=10):
    return datetime.combine(day, datetime.min.time().replace(hour=hour), tzinfo=SHANGHAI)


@pytest.fixture
def march_finding(make_finding):
    """Found on 2 March with a deadline of 9 March."""
    with time_machine.travel(at(FOUND), tick=False):
        return make_finding(deadline=date(2026, 3, 9))


def ask(finding, user, days=10, reason="苗木到货周期较长"):
    return services.extension_request_create(finding=finding, user=user, requested_deadline=finding.deadline +
                                             timedelta(days=days), reason=reason)


class ExtensionRequestTests:
    def test_the_unit_asks_before_the_deadline(self, march_finding, lead_staff):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff)
        assert extension.status == ExtensionRequest.Status.PENDING
        assert extension.current_deadline == date(2026, 3, 9) and extension.requested_deadline == date(2026, 3, 19)
        event = march_finding.events.last()
        assert (event.kind, event.deadline_before, event.deadline_after) == ("extension_requested", date(2026, 3, 9),
                                                                              date(2026, 3, 19))
        march_finding.refresh_from_db()
        assert march_finding.deadline == date(2026, 3, 9)  # nothing moves until the office agrees

    def test_the_deadline_day_itself_still_counts_as_before(self, march_finding, lead_staff):
        with time_machine.travel(at(date(2026, 3, 9), 23), tick=False):
            assert ask(march_finding, lead_staff).pk

    def test_it_is_too_late_once_the_deadline_has_passed(self, march_finding, lead_staff):
        with time_machine.travel(at(date(2026, 3, 10), 0), tick=False), pytest.raises(TransitionNotAllowed):
            ask(march_finding, lead_staff)
        assert not ExtensionRequest.objects.exists()

    def test_the_new_date_must_be_later_and_a_reason_given(self, march_finding, lead_staff):
        with time_machine.travel(at(date(2026, 3, 5)), tick=False):
            with pytest.raises(ValidationError):
                ask(march_finding, lead_staff, days=0)
            with pytest.raises(ValidationError):
                ask(march_finding, lead_staff, reason=" ")
        assert not ExtensionRequest.objects.exists()

    def test_one_request_at_a_time(self, march_finding, lead_staff):
        with time_machine.travel(at(date(2026, 3, 5)), tick=False):
            ask(march_finding, lead_staff)
            with pytest.raises(TransitionNotAllowed):
                ask(march_finding, lead_staff, days=20)
        assert ExtensionRequest.objects.count() == 1

    @pytest.mark.parametrize("persona", ["inspector", "office_admin", "coop_staff", "outsider"])
    def test_only_the_responsible_unit_asks(self, request, march_finding, persona):
        with time_machine.travel(at(date(2026, 3, 5)), tick=False), pytest.raises(PermissionDenied):
            ask(march_finding, request.getfixturevalue(persona))

    def test_a_submitted_finding_needs_no_more_time(self, march_finding, lead_staff, advance):
        with time_machine.travel(at(date(2026, 3, 5)), tick=False):
            advance(march_finding, Finding.Status.SUBMITTED)
            with pytest.raises(TransitionNotAllowed):
                ask(march_finding, lead_staff)


class ExtensionDecisionTests:
    def test_approval_moves_the_deadline_and_the_alert_level(self, march_finding, lead_staff, office_admin):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff)  # requested 19 March
        # The office is slow: by 12 March the finding is red.
        with time_machine.travel(at(date(2026, 3, 12)), tick=False):
            services.finding_refresh_alert(finding=march_finding)
            march_finding.refresh_from_db()
            assert march_finding.alert_level == "red"
            assert march_finding.next_alert_at == date(2026, 3, 13)  # escalation day
            services.extension_request_approve(extension=extension, user=office_admin, note="同意")
        march_finding.refresh_from_db()
        extension.refresh_from_db()
        assert march_finding.deadline == date(2026, 3, 19)
        assert march_finding.alert_level == "blue"
        assert march_finding.next_alert_at == date(2026, 3, 16)  # yellow three days before the new deadline
        assert (extension.status, extension.approved_deadline, extension.decided_by) == ("approved", date(2026, 3, 19),
                                                                                         office_admin)
        event = march_finding.events.last()
        assert (event.kind, event.deadline_before, event.deadline_after) == ("extension_approved", date(2026, 3, 9),
                                                                              date(2026, 3, 19))
        entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(Finding),
                                       object_id=str(march_finding.pk), action=AuditEntry.Action.UPDATE)
        assert entry.changes == {"deadline": ["2026-03-09", "2026-03-19"]} and entry.user == office_admin

    def test_the_office_may_grant_a_different_date(self, march_finding, lead_staff, office_admin):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff, days=20)
            services.extension_request_approve(extension=extension, user=office_admin, deadline=date(2026, 3, 15))
            march_finding.refresh_from_db()
            assert march_finding.deadline == date(2026, 3, 15)
            assert march_finding.alert_level == "blue"

    def test_rejection_needs_a_reason_and_keeps_the_deadline(self, march_finding, lead_staff, office_admin):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff)
            with pytest.raises(ValidationError):
                services.extension_request_reject(extension=extension, user=office_admin, note="")
            services.extension_request_reject(extension=extension, user=office_admin, note="理由不充分")
        extension.refresh_from_db(), march_finding.refresh_from_db()
        assert extension.status == "rejected" and march_finding.deadline == date(2026, 3, 9)
        assert march_finding.events.last().kind == "extension_rejected"

    @pytest.mark.parametrize("persona", ["inspector", "lead_staff", "leader"])
    def test_only_the_office_decides(self, request, march_finding, lead_staff, persona):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff)
            user = request.getfixturevalue(persona)
            with pytest.raises(PermissionDenied):
                services.extension_request_approve(extension=extension, user=user)
            with pytest.raises(PermissionDenied):
                services.extension_request_reject(extension=extension, user=user, note="x")
        extension.refresh_from_db()
        assert extension.status == "pending"

    def test_a_decision_is_taken_once(self, march_finding, lead_staff, office_admin):
        with time_machine.travel(at(date(2026, 3, 8)), tick=False):
            extension = ask(march_finding, lead_staff)
            services.extension_request_approve(extension=extension, user=office_admin)
            with pytest.raises(TransitionNotAllowed):
                services.extension_request_reject(extension=extension, user=office_admin, note="改主意了")

    def test_closing_the_finding_voids_a_pending_request(self, march_finding, lead_staff, inspector, office_admin,
                                                         advance):
        with time_machine.travel(at(date(2026, 3, 5)), tick=False):
            advance(march_finding, Finding.Status.IN_RECTIFICATION)
            extension = ask(march_finding, lead_staff)
            advance(march_finding, Finding.Status.CLOSED)
            extension.refresh_from_db()
            assert extension.status == "rejected"
            with pytest.raises(TransitionNotAllowed):
                services.extension_request_approve(extension=extension, user=office_admin)
