"""The rectification lifecycle: every transition, every forbidden one, and what each writes."""
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from inspections import services
from inspections.models import Finding, FindingEvent, FindingPhoto, SupervisionOrder
from inspections.services import TransitionNotAllowed
from organizations.models import AuditEntry, Membership, Unit

from .conftest import make_user_in, photo

S = Finding.Status


def audits(obj, action=None):
    qs = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    return qs.filter(action=action) if action else qs


class FindingCreateTests:
    def test_it_sends_the_finding_to_the_unit_with_a_numbered_order(self, finding, inspector, unit_a, unit_b, today):
        finding.refresh_from_db()
        assert finding.status == S.ASSIGNED and finding.unit == unit_a
        assert list(finding.cooperating_units.all()) == [unit_b]
        assert finding.photos.filter(kind=FindingPhoto.Kind.BEFORE).count() == 1
        order = finding.orders.get()
        assert order.kind == SupervisionOrder.Kind.SINGLE and order.number == f"创园督〔{today.year}〕第1号"
        event = finding.events.get()
        assert (event.kind, event.from_status, event.to_status, event.actor) == ("created", "", S.ASSIGNED, inspector)
        assert order.number in event.note
        assert audits(finding, AuditEntry.Action.CREATE).get().user == inspector
        assert finding.alert_level == "blue" and finding.next_alert_at == finding.deadline - timedelta(days=3)

    def test_the_office_may_record_too(self, make_finding, office_admin):
        assert make_finding(by=office_admin).created_by == office_admin

    @pytest.mark.parametrize("persona", ["lead_staff", "leader", "outsider"])
    def test_other_roles_may_not_record(self, request, make_finding, persona):
        with pytest.raises(PermissionDenied):
            make_finding(by=request.getfixturevalue(persona))
        assert not Finding.objects.exists()

    def test_it_refuses_a_deadline_in_the_past(self, make_finding):
        with pytest.raises(ValidationError) as exc:
            make_finding(deadline_days=-1)
        assert "deadline" in exc.value.error_dict
        assert not Finding.objects.exists() and not SupervisionOrder.objects.exists()

    def test_it_never_lists_the_responsible_unit_as_cooperating(self, make_finding, unit_a, unit_b):
        f = make_finding(cooperating_units=[unit_a, unit_b])
        assert list(f.cooperating_units.all()) == [unit_b]


class FindingTransitionTests:
    def test_start_moves_assigned_to_in_rectification(self, finding, lead_staff):
        services.finding_start(finding=finding, user=lead_staff, note="已安排施工队")
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION
        event = finding.events.last()
        assert (event.kind, event.from_status, event.to_status, event.actor, event.note) == (
            "started", S.ASSIGNED, S.IN_RECTIFICATION, lead_staff, "已安排施工队")
        entry = audits(finding, AuditEntry.Action.TRANSITION).get()
        assert entry.user == lead_staff and entry.changes == {"status": [S.ASSIGNED, S.IN_RECTIFICATION]}

    def test_submit_needs_a_note_and_an_after_photo_and_stops_the_clock(self, finding, lead_staff, advance):
        advance(finding, S.IN_RECTIFICATION)
        services.finding_submit(finding=finding, user=lead_staff, note="已覆绿 50 平方米", photos=[photo("a.jpg")])
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED and finding.submitted_at is not None
        assert finding.photos.filter(kind=FindingPhoto.Kind.AFTER).count() == 1
        assert finding.events.last().note == "已覆绿 50 平方米"
        assert finding.next_alert_at is None  # nothing to alert while the verifier has it
        assert audits(finding, AuditEntry.Action.TRANSITION).first().changes["status"] == [S.IN_RECTIFICATION,
                                                                                          S.SUBMITTED]

    def test_close_ends_the_lifecycle(self, finding, inspector, advance):
        advance(finding, S.SUBMITTED)
        services.finding_close(finding=finding, user=inspector, note="复核通过")
        finding.refresh_from_db()
        assert finding.status == S.CLOSED and finding.closed_at is not None
        assert (finding.events.last().kind, finding.events.last().actor) == ("closed", inspector)
        assert audits(finding, AuditEntry.Action.TRANSITION).first().user == inspector

    def test_the_office_may_verify_too(self, finding, office_admin, advance):
        advance(finding, S.SUBMITTED)
        services.finding_close(finding=finding, user=office_admin)
        finding.refresh_from_db()
        assert finding.status == S.CLOSED

    def test_return_needs_a_reason_and_may_reset_the_deadline(self, finding, inspector, advance, today):
        advance(finding, S.SUBMITTED)
        with pytest.raises(ValidationError):
            services.finding_return(finding=finding, user=inspector, reason="  ")
        new = today + timedelta(days=5)
        services.finding_return(finding=finding, user=inspector, reason="仍有裸露", new_deadline=new)
        finding.refresh_from_db()
        assert finding.status == S.RETURNED and finding.deadline == new
        event = finding.events.last()
        assert (event.kind, event.note, event.deadline_after) == ("returned", "仍有裸露", new)
        assert audits(finding, AuditEntry.Action.TRANSITION).first().changes["deadline"][1] == new.isoformat()

    def test_return_refuses_a_new_deadline_in_the_past(self, finding, inspector, advance, today):
        advance(finding, S.SUBMITTED)
        with pytest.raises(ValidationError):
            services.finding_return(finding=finding, user=inspector, reason="x", new_deadline=today - timedelta(days=1))
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED

    def test_a_returned_finding_may_be_restarted_or_resubmitted(self, make_finding, lead_staff, advance):
        first, second = make_finding(), make_finding()
        advance(first, S.RETURNED)
        advance(second, S.RETURNED)
        services.finding_start(finding=first, user=lead_staff)
        services.finding_submit(finding=second, user=lead_staff, note="再次整改", photos=[photo()])
        first.refresh_from_db(), second.refresh_from_db()
        assert (first.status, second.status) == (S.IN_RECTIFICATION, S.SUBMITTED)

    def test_a_district_acts_for_its_streets(self, make_finding, districts):
        street = Unit.objects.create(name="东湖街道", kind=Unit.Kind.STREET, parent=districts[0])
        district_staff = make_user_in("chengdong", districts[0], Membership.Role.UNIT_STAFF)
        f = make_finding(unit=street)
        services.finding_start(finding=f, user=district_staff)
        f.refresh_from_db()
        assert f.status == S.IN_RECTIFICATION


class ForbiddenTransitionTests:
    @pytest.mark.parametrize("persona", ["inspector", "office_admin", "leader", "coop_staff", "outsider"])
    def test_only_the_responsible_unit_starts_and_submits(self, request, finding, advance, persona):
        user = request.getfixturevalue(persona)
        with pytest.raises(PermissionDenied):
            services.finding_start(finding=finding, user=user)
        advance(finding, S.IN_RECTIFICATION)
        with pytest.raises(PermissionDenied):
            services.finding_submit(finding=finding, user=user, note="x", photos=[photo()])
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION
        assert not finding.photos.filter(kind=FindingPhoto.Kind.AFTER).exists()

    @pytest.mark.parametrize("persona", ["lead_staff", "coop_staff", "leader", "outsider"])
    def test_only_inspectors_or_the_office_close_and_return(self, request, finding, advance, persona):
        advance(finding, S.SUBMITTED)
        user = request.getfixturevalue(persona)
        with pytest.raises(PermissionDenied):
            services.finding_close(finding=finding, user=user)
        with pytest.raises(PermissionDenied):
            services.finding_return(finding=finding, user=user, reason="x")
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED

    def test_submit_without_an_after_photo_is_refused(self, finding, lead_staff, advance):
        advance(finding, S.IN_RECTIFICATION)
        with pytest.raises(ValidationError) as exc:
            services.finding_submit(finding=finding, user=lead_staff, note="已整改", photos=[])
        assert "photos" in exc.value.error_dict
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION
        assert not finding.events.filter(kind="submitted").exists()

    def test_submit_without_a_note_is_refused(self, finding, lead_staff, advance):
        advance(finding, S.IN_RECTIFICATION)
        with pytest.raises(ValidationError) as exc:
            services.finding_submit(finding=finding, user=lead_staff, note=" ", photos=[photo()])
        assert "note" in exc.value.error_dict
        finding.refresh_from_db()
        assert finding.status == S.IN_RECTIFICATION and not finding.photos.filter(kind="after").exists()

    def test_nothing_happens_after_closing(self, finding, advance, lead_staff, inspector, office_admin, today):
        advance(finding, S.CLOSED)
        events_before = finding.events.count()
        attempts = [
            lambda: services.finding_start(finding=finding, user=lead_staff),
            lambda: services.finding_submit(finding=finding, user=lead_staff, note="x", photos=[photo()]),
            lambda: services.finding_close(finding=finding, user=inspector),
            lambda: services.finding_return(finding=finding, user=inspector, reason="x"),
            lambda: services.extension_request_create(finding=finding, user=lead_staff,
                                                      requested_deadline=today + timedelta(days=30), reason="x"),
        ]
        for attempt in attempts:
            with pytest.raises(TransitionNotAllowed) as exc:
                attempt()
            assert "已销号" in exc.value.messages[0]
        finding.refresh_from_db()
        assert finding.status == S.CLOSED and finding.events.count() == events_before

    @pytest.mark.parametrize("status, action", [
        (S.ASSIGNED, "submit"), (S.ASSIGNED, "close"), (S.ASSIGNED, "return"),
        (S.IN_RECTIFICATION, "start"), (S.IN_RECTIFICATION, "close"),
        (S.SUBMITTED, "start"), (S.SUBMITTED, "submit"),
    ])
    def test_it_refuses_an_action_from_the_wrong_state(self, finding, advance, lead_staff, inspector, status, action):
        advance(finding, status)
        call = {
            "start": lambda: services.finding_start(finding=finding, user=lead_staff),
            "submit": lambda: services.finding_submit(finding=finding, user=lead_staff, note="x", photos=[photo()]),
            "close": lambda: services.finding_close(finding=finding, user=inspector),
            "return": lambda: services.finding_return(finding=finding, user=inspector, reason="x"),
        }[action]
        with pytest.raises(TransitionNotAllowed):
            call()
        finding.refresh_from_db()
        assert finding.status == status

    def test_a_stale_instance_cannot_close_twice(self, finding, advance, inspector):
        advance(finding, S.SUBMITTED)
        stale = Finding.objects.get(pk=finding.pk)
        services.finding_close(finding=finding, user=inspector)
        with pytest.raises(TransitionNotAllowed):
            services.finding_return(finding=stale, user=inspector, reason="迟到的退回")  # re-checked under the lock
        assert FindingEvent.objects.filter(finding=finding, kind="returned").count() == 0
