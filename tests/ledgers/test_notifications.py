"""A ledger confirmed by the office on a unit's behalf tells that unit; a unit confirming its
own ledger tells nobody."""
from ledgers.services import ledger_upload_confirm
from notifications.models import AlertEvent, Notification
from notifications.services import alerts_send

from .conftest import park, template_with, upload_and_parse


class LedgerConfirmNotificationTests:
    def test_the_office_confirming_for_a_unit_tells_the_units_staff(self, campaign, unit_a, lead_staff,
                                                                     office_admin):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), office_admin)
        outcome = ledger_upload_confirm(upload=upload, user=office_admin)
        event = AlertEvent.objects.get(kind="ledger_confirmed")
        assert (event.unit_id, event.campaign_id, event.actor_id) == (unit_a.pk, campaign.pk, office_admin.pk)
        assert event.url == f"/ledgers/versions/{outcome.version.pk}/"
        alerts_send()
        assert list(Notification.objects.values_list("user__username", flat=True)) == ["lead"]

    def test_a_unit_confirming_its_own_ledger_tells_nobody(self, campaign, unit_a, lead_staff):
        upload = upload_and_parse(unit_a, "parks", template_with("parks", [park()]), lead_staff)
        ledger_upload_confirm(upload=upload, user=lead_staff)
        assert not AlertEvent.objects.exists()
