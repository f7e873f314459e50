from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import Indicator, Standard
from organizations.models import Person, Unit

from .models import AccountabilityRecord, Finding, InspectionRound, InspectionSettings
from .photos import MAX_PHOTOS_PER_UPLOAD, decode_photos, inspect_photos
from .selectors import campaign_units
from .services import short_unit_name


class DateInput(forms.DateInput):
    """<input type=date> wants ISO dates whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files under one name; each is checked by content in the form's clean."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(d, initial) for d in data if d]
        else:
            files = [single(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class PhotoFormMixin:
    """Turns the uploaded files into processed photos (or field errors) during clean."""

    photo_fields = ("photos",)
    strip_location = False

    def clean(self):
        cleaned = super().clean()
        cleaned["processed_photos"] = []
        files = {name: cleaned.get(name) or [] for name in self.photo_fields}
        # The count over every input, then every header, before a single photo is decoded.
        if sum(len(f) for f in files.values()) > MAX_PHOTOS_PER_UPLOAD:
            self.add_error(self.photo_fields[0], _("一次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS_PER_UPLOAD})
            return cleaned
        inspected = {}
        for name, uploads in files.items():
            try:
                inspected[name] = inspect_photos(uploads)
            except ValidationError as exc:
                self.add_error(name, exc)
        if len(inspected) < len(files):
            return cleaned
        processed = []
        for name, items in inspected.items():
            try:
                processed += decode_photos(items, strip_location=self.strip_location)
            except ValidationError as exc:
                self.add_error(name, exc)
        cleaned["processed_photos"] = processed
        return cleaned


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.kind == Unit.Kind.STREET and obj.parent_id:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name


class FindingForm(PhotoFormMixin, forms.ModelForm):
    """The inspector's capture form: phone first, two photo inputs (camera and album)."""

    photo_fields = ("photos", "album_photos")
    photos = PhotosField(label=_("现场拍照"), required=False)
    album_photos = PhotosField(label=_("从相册选择"), required=False)
    unit = UnitChoiceField(label=_("责任单位"), queryset=Unit.objects.none())
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"), queryset=Unit.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Finding
        fields = ["description", "address", "latitude", "longitude", "unit", "cooperating_units", "deadline",
                  "category", "severity", "source", "round", "found_on", "indicator"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3, "placeholder": _("如：人民公园东门绿地黄土裸露约 50 平方米")}),
            "address": forms.TextInput(attrs={"placeholder": _("路名、门牌或地标")}),
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "deadline": DateInput(),
            "found_on": DateInput(),
        }

    def __init__(self, *args, campaign, strip_location=False, default_deadline_days=7, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.strip_location = strip_location
        today = timezone.localdate()
        units = campaign_units(campaign).order_by("sort_order", "id")
        self.fields["unit"].queryset = units
        self.fields["cooperating_units"].queryset = units.filter(kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.DISTRICT])
        self.fields["round"].queryset = InspectionRound.objects.filter(campaign=campaign).order_by("-date", "-id")
        self.fields["indicator"].queryset = Indicator.objects.filter(standard__campaigns=campaign).order_by(
            "standard__code", "order")
        self.fields["latitude"].widget.attrs["data-geo"] = "lat"
        self.fields["longitude"].widget.attrs["data-geo"] = "lng"
        if not self.is_bound:
            self.initial.setdefault("found_on", today)
            self.initial.setdefault("deadline", today + timedelta(days=default_deadline_days))
            latest = self.fields["round"].queryset.filter(date__lte=today).first()
            if latest is not None and latest.date >= today - timedelta(days=2):
                self.initial.setdefault("round", latest.pk)
        self.fields["photos"].widget.attrs.update({"capture": "environment", "accept": "image/*"})
        self.fields["album_photos"].widget.attrs.update({"accept": "image/*"})

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise ValidationError(_("整改期限不能早于今天。"))
        return deadline

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit")
        if unit is not None and cleaned.get("cooperating_units"):
            cleaned["cooperating_units"] = [u for u in cleaned["cooperating_units"] if u.pk != unit.pk]
        return cleaned


class SubmitForm(PhotoFormMixin, forms.Form):
    note = forms.CharField(label=_("整改情况说明"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label=_("整改后照片"), required=True)

    def __init__(self, *args, strip_location=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.strip_location = strip_location
        self.fields["photos"].widget.attrs.update({"accept": "image/*"})
        self.fields["photos"].error_messages["required"] = _("请至少上传一张整改后照片。")


class StartForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("复核意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 2}))
    new_deadline = forms.DateField(label=_("新的整改期限（可不填）"), required=False,
                                   widget=DateInput())


class ExtensionRequestForm(forms.Form):
    requested_deadline = forms.DateField(label=_("申请延至"), widget=DateInput())
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("同意")), ("reject", _("不同意"))])
    deadline = forms.DateField(label=_("批准期限"), required=False, widget=DateInput())
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RoundForm(forms.ModelForm):
    team = forms.ModelMultipleChoiceField(label=_("督查组成员"), queryset=Person.objects.none(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    standards = forms.ModelMultipleChoiceField(label=_("对照标准"), queryset=Standard.objects.none(), required=False,
                                               widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = InspectionRound
        fields = ["date", "kind", "title", "area", "route", "team", "standards", "note"]
        widgets = {
            "date": DateInput(),
            "route": forms.Textarea(attrs={"rows": 4, "placeholder": _("每行一个点位，如：人民公园\n滨江绿道二期")}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        office_id = campaign.office_id
        people = Person.objects.select_related("unit")
        # The team is usually the office's inspectors plus a few leaders and department staff.
        self.fields["team"].queryset = people.order_by("unit__sort_order", "id")
        self.fields["team"].label_from_instance = lambda p: f"{p.name}（{short_unit_name(p.unit)}）" \
            if p.unit_id != office_id else p.name
        self.fields["standards"].queryset = campaign.standards.all()
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("standards", list(campaign.standards.values_list("id", flat=True)))


class AccountabilityForm(forms.ModelForm):
    findings = forms.ModelMultipleChoiceField(label=_("相关问题"), queryset=Finding.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = AccountabilityRecord
        fields = ["kind", "date", "title", "people", "detail", "findings"]
        widgets = {"date": DateInput(), "detail": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, campaign, unit, **kwargs):
        super().__init__(*args, **kwargs)
        # The findings an accountability record is about: the ones still open, oldest deadline first.
        self.fields["findings"].queryset = Finding.objects.filter(
            campaign=campaign, unit=unit).in_state(Finding.State.OPEN, timezone.localdate()).order_by("deadline", "id")
        self.fields["findings"].label_from_instance = lambda f: f"#{f.pk} {f.description[:40]}（{f.get_status_display()}）"
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class SettingsForm(forms.ModelForm):
    class Meta:
        model = InspectionSettings
        fields = ["strip_photo_location", "order_prefix", "default_deadline_days"]


class BatchOrderForm(forms.Form):
    unit = UnitChoiceField(label=_("责任单位"), queryset=Unit.objects.none())

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = campaign_units(campaign).order_by("sort_order", "id")


class FilterForm(forms.Form):
    """The list page's filters; invalid values are dropped, never an error page."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    role = forms.ChoiceField(choices=[("", ""), ("lead", _("牵头负责")), ("cooperating", _("配合"))], required=False)
    state = forms.ChoiceField(choices=[("", "")] + list(Finding.State.choices), required=False)
    closed_from = forms.DateField(required=False)
    status = forms.ChoiceField(choices=[("", "")] + list(Finding.Status.choices), required=False)
    level = forms.ChoiceField(choices=[("", "")] + list(Finding.AlertLevel.choices),
                              required=False)
    indicator = forms.ModelChoiceField(queryset=Indicator.objects.none(), required=False)
    round = forms.ModelChoiceField(queryset=InspectionRound.objects.none(), required=False)
    source = forms.ChoiceField(choices=[("", "")] + list(Finding.Source.choices), required=False)
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    q = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, campaign, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["indicator"].queryset = Indicator.objects.filter(standard__campaigns=campaign)
        self.fields["round"].queryset = InspectionRound.objects.filter(campaign=campaign)

    def filters(self):
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
