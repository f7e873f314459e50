"""A task sent back or accepted tells its lead unit (staff and the responsible person), not the
office member who decided, once, naming the campaign."""
from notifications.models import AlertEvent, Notification
from notifications.services import alerts_send
from tasks import services


def told(kind):
    return sorted(Notification.objects.filter(alert__kind=kind).values_list("user__username", flat=True))


class TaskNotificationTests:
    def test_sending_a_task_back_tells_the_lead_unit_with_the_reason(self, task, lead_staff, coop_staff,
                                                                    office_admin, campaign):
        services.task_submit(task=task, user=lead_staff)
        services.task_send_back(task=task, user=office_admin, reason="缺少现场照片")
        event = AlertEvent.objects.get(kind="task_sent_back")
        assert (event.campaign_id, event.unit_id, event.note, event.url) == (
            campaign.pk, task.lead_unit_id, "缺少现场照片", f"/tasks/{task.pk}/")
        alerts_send()
        assert told("task_sent_back") == ["lead"]

    def test_accepting_a_task_tells_the_lead_unit_once(self, task, lead_staff, office_admin):
        services.task_submit(task=task, user=lead_staff)
        services.task_accept(task=task, user=office_admin)
        alerts_send()
        alerts_send()
        assert told("task_accepted") == ["lead"]
        assert not Notification.objects.filter(user=office_admin).exists()

    def test_a_task_sent_back_twice_tells_the_unit_twice(self, task, lead_staff, office_admin):
        for reason in ("缺少照片", "数据不一致"):
            services.task_submit(task=task, user=lead_staff)
            services.task_send_back(task=task, user=office_admin, reason=reason)
        alerts_send()
        assert told("task_sent_back") == ["lead", "lead"]

    def test_submitting_tells_nobody_in_the_unit(self, task, lead_staff):
        services.task_submit(task=task, user=lead_staff)
        assert not AlertEvent.objects.exists()
