"""Material deadlines light yellow / red / escalated like findings and tasks, through the same
detect job; the states are one definition (queryset and pure method agree)."""
from datetime import date, timedelta

import pytest
import time_machine

from indicators import states
from notifications.models import AlertEvent, Notification
from notifications.services import alerts_detect, alerts_send
from visits import services
from visits.files import check_material_file
from visits.models import MaterialAssignment, Status

from .conftest import pdf_upload

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 10)


@pytest.fixture(autouse=True)
def june_2026():
    with time_machine.travel("2026-06-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def assignment(campaign, funds, unit_a, office_admin):
    _, _, approval = funds
    return services.material_assign(campaign=campaign, requirement=approval, unit=unit_a,
                                    due_on=TODAY + timedelta(days=2), user=office_admin)


class MaterialAlertTests:
    def test_a_deadline_near_lights_yellow_and_tells_the_unit_once(self, assignment, lead_staff, coop_staff):
        alerts_detect(today=TODAY)
        alerts_detect(today=TODAY)
        event = AlertEvent.objects.get()
        assert (event.level, event.unit_id, event.url) == ("yellow", assignment.unit_id,
                                                            f"/visits/materials/{assignment.pk}/")
        assert "资金管理办法及批复" in event.title
        alerts_send()
        assert list(Notification.objects.values_list("user__username", flat=True)) == ["lead"]
        assignment.refresh_from_db()
        assert assignment.alert_level == "yellow"

    def test_a_missed_run_catches_up_to_red(self, assignment):
        alerts_detect(today=TODAY + timedelta(days=4))
        assert set(AlertEvent.objects.values_list("level", flat=True)) >= {"red"}

    def test_a_complete_assignment_raises_nothing(self, assignment, lead_staff, office_admin):
        document = services.material_document_upload(
            assignment=assignment, user=lead_staff, checked=check_material_file(pdf_upload()), title="办法",
            doc_number="", doc_date=date(2025, 1, 1), pages=2)
        services.material_document_accept(document=document, user=office_admin)
        assignment.refresh_from_db()
        assert assignment.status == Status.COMPLETE
        alerts_detect(today=TODAY + timedelta(days=10))
        assert not AlertEvent.objects.exists()

    def test_a_new_deadline_is_watched_again_from_blue(self, assignment, office_admin):
        alerts_detect(today=TODAY)
        services.material_deadline_set(campaign=assignment.campaign, requirement=assignment.requirement,
                                       due_on=TODAY + timedelta(days=30), user=office_admin)
        assignment.refresh_from_db()
        assert (assignment.alert_level, assignment.next_alert_at) == (None, None)


class MaterialStateTests:
    @pytest.mark.parametrize("status", list(Status.values))
    @pytest.mark.parametrize("offset", [-5, -4, -1, 0, 1, 3, 4])
    def test_the_queryset_and_the_pure_method_agree(self, assignment, status, offset):
        MaterialAssignment.objects.filter(pk=assignment.pk).update(status=status, due_on=TODAY + timedelta(days=offset))
        assignment.refresh_from_db()
        policy = assignment.campaign.alert_policy()
        for state in (*states.STATES, "held"):
            in_sql = MaterialAssignment.objects.in_state(state, TODAY, policy).filter(pk=assignment.pk).exists()
            assert in_sql == assignment.in_state(state, TODAY, policy), (state, status, offset)
