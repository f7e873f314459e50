"""The admin pages of the app load; state fields are read-only there."""
from django.contrib.auth import get_user_model


class InspectionAdminTests:
    def test_its_pages_load_and_status_is_read_only(self, client, finding, advance):
        advance(finding, "returned")
        admin = get_user_model().objects.create_superuser("root", password="x")
        client.force_login(admin)
        for url in ["/admin/inspections/finding/", f"/admin/inspections/finding/{finding.pk}/change/",
                    "/admin/inspections/supervisionorder/", "/admin/inspections/extensionrequest/",
                    "/admin/inspections/accountabilityrecord/", "/admin/inspections/inspectionround/"]:
            assert client.get(url).status_code == 200, url
        page = client.get(f"/admin/inspections/finding/{finding.pk}/change/").content.decode()
        assert 'name="status"' not in page and 'name="deadline"' not in page
