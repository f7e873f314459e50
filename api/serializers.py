"""Output shapes of the API. Inputs are validated by the pages' forms (api/forms.py)."""
from rest_framework import serializers

from indicators.models import Campaign, Indicator, IndicatorValue, Measure, Standard, StandardNode, Threshold
from inspections.models import ExtensionRequest, Finding, FindingEvent, FindingPhoto
from ledgers.models import Ledger, LedgerRow, LedgerUpload, LedgerVersion
from notifications.models import Notification
from organizations.models import Person, Unit
from reports.models import Briefing
from tasks.models import Task, TaskUpdate


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Standard
        fields = ["id", "code", "title", "title_en", "version", "tier"]


class NodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandardNode
        fields = ["id", "standard", "parent", "level", "code", "name", "name_en"]


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Threshold
        fields = ["id", "tier", "comparator", "value", "condition_param", "condition_min", "condition_max",
                  "historic_adjustment", "note"]


class MeasureSerializer(serializers.ModelSerializer):
    is_computed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Measure
        fields = ["id", "key", "name", "name_en", "unit", "is_qualitative", "formula_key", "is_computed"]


class IndicatorSerializer(serializers.ModelSerializer):
    measure = MeasureSerializer(read_only=True)
    thresholds = ThresholdSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "standard", "node", "code", "name", "name_en", "unit", "kind", "aggregation", "measure",
                  "verification", "thresholds"]


class ThresholdInputSerializer(serializers.Serializer):
    tier = serializers.CharField()
    comparator = serializers.CharField()
    value = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    condition_param = serializers.CharField(required=False, allow_blank=True)
    condition_min = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    condition_max = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    historic_adjustment = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ThresholdListInputSerializer(serializers.Serializer):
    thresholds = ThresholdInputSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CampaignSerializer(serializers.ModelSerializer):
    standards = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Campaign
        fields = ["id", "name", "city", "office", "kind", "tier", "standards", "evaluation_date", "data_cutoff",
                  "is_active"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "kind", "parent"]


class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "title", "unit"]


class ValueSerializer(serializers.ModelSerializer):
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorValue
        # Provenance is served by /values/{id}/ only, through the ledgers' scoped view of it
        # (another unit's ledger file names and confirmers are left out there).
        fields = ["id", "measure", "scope", "as_of", "value", "source", "note", "has_evidence", "entered_at"]

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class NotificationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="alert.kind")
    level = serializers.CharField(source="alert.level")
    title = serializers.CharField(source="alert.title")
    url = serializers.CharField(source="alert.url")
    campaign = serializers.IntegerField(source="alert.campaign_id", allow_null=True)
    unit = serializers.IntegerField(source="alert.unit_id", allow_null=True)
    deadline = serializers.DateField(source="alert.deadline", allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "level", "title", "url", "campaign", "unit", "deadline", "created_at", "read_at"]


class BriefingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Briefing
        fields = ["id", "campaign", "week_start", "language", "number", "built_at"]


class TaskSerializer(serializers.ModelSerializer):
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ["id", "campaign", "indicator", "seq", "content", "lead_unit", "cooperating_units",
                  "responsible_leader", "responsible_person", "starts_on", "due_on", "progress", "review_state",
                  "alert_level"]


class TaskUpdateSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = TaskUpdate
        fields = ["id", "kind", "text", "progress", "unit", "author_name", "created_at"]

    def get_author_name(self, obj) -> str:
        person = getattr(obj.author, "person", None) if obj.author_id else None
        return person.name if person else (obj.author.username if obj.author_id else "")


class TaskDetailSerializer(TaskSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["timeline"]

    def get_timeline(self, obj) -> list[dict]:
        from tasks.selectors import task_timeline

        return TaskUpdateSerializer(task_timeline(obj), many=True).data


class FindingSerializer(serializers.ModelSerializer):
    cooperating_units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "campaign", "round", "source", "found_on", "description", "address", "latitude",
                  "longitude", "indicator", "category", "severity", "unit", "cooperating_units", "deadline",
                  "status", "alert_level", "created_at", "submitted_at", "closed_at"]


class FindingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = FindingEvent
        fields = ["id", "kind", "at", "actor_name", "from_status", "to_status", "note", "deadline_before",
                  "deadline_after"]


class FindingPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = FindingPhoto
        fields = ["id", "kind", "width", "height", "original_name", "size", "taken_at", "url"]

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("api-finding-photo", args=[obj.finding_id, obj.pk])


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "current_deadline", "requested_deadline", "reason", "requested_at", "status",
                  "approved_deadline", "decided_at", "decision_note"]


class FindingDetailSerializer(FindingSerializer):
    timeline = FindingEventSerializer(source="events", many=True, read_only=True)
    photos = FindingPhotoSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(source="extension_requests", many=True, read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = FindingSerializer.Meta.fields + ["timeline", "photos", "extensions"]


class LedgerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ledger
        fields = ["id", "unit", "city", "ledger_type"]


class LedgerVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerVersion
        fields = ["id", "ledger", "number", "original_name", "checksum", "sheet", "row_count", "skipped_count",
                  "summary"]


class LedgerRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerRow
        fields = ["id", "row_number", "sheet", "natural_key", "data"]


class LedgerUploadSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerUpload
        fields = ["id", "ledger", "campaign", "original_name", "size", "sheet", "status", "rows_read", "rows_total",
                  "row_count", "error_count", "error_row_count", "added", "changed", "removed", "unchanged",
                  "base_version", "uploaded_at"]
