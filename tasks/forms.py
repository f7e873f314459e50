from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Indicator
from organizations.models import Person, Unit
from spreadsheets.forms import WorkbookField

from .models import Task

EVIDENCE_EXTENSIONS = {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".doc", ".docx", ".xls", ".xlsx", ".ppt",
                       ".pptx", ".txt", ".zip", ".rar", ".7z", ".mp4", ".ofd", ".wps", ".et"}
MAX_EVIDENCE_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several evidence files in one input; each checked for type, all together for size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(EvidenceField, self).clean(f, initial) for f in files]
        files = [f for f in files if f]
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(_("一次最多上传 %(n)s 个文件") % {"n": MAX_EVIDENCE_FILES})
        for f in files:
            if Path(f.name).suffix.lower() not in EVIDENCE_EXTENSIONS:
                raise forms.ValidationError(
                    _("「%(name)s」的文件类型不支持；可上传 PDF、图片、Office 文档、压缩包") % {"name": f.name}
                )
        if sum(f.size or 0 for f in files) > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("文件合计超过 %(mb)s MB") % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return files


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=gettext_lazy("当前进度（%）"), min_value=0, max_value=100,
                                  widget=forms.NumberInput(attrs={"step": 5, "inputmode": "numeric"}))
    text = forms.CharField(label=gettext_lazy("进展情况"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 4, "placeholder": gettext_lazy(
                               "本期完成了什么、遇到什么问题、下一步安排")}))
    files = EvidenceField(label=gettext_lazy("佐证材料"))


class ContributionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("配合工作情况"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    files = EvidenceField(label=gettext_lazy("佐证材料"))


class SubmitForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("完成情况说明"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("审核意见"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class SendBackForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回理由"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(forms.Form):
    due_on = forms.DateField(label=gettext_lazy("节点日期"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=gettext_lazy("节点内容"), max_length=200)


class UploadForm(forms.Form):
    file = WorkbookField(label=gettext_lazy("任务分解表（.xlsx）"))


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.unit.short_name or obj.unit.name}" + (f"（{obj.title}）" if obj.title else "")


class TaskForm(forms.ModelForm):
    """The office's form for one row of the table."""

    responsible_leader = PersonChoiceField(
        label=gettext_lazy("责任领导"), required=False,
        queryset=Person.objects.filter(is_leader=True).select_related("unit"),
    )
    responsible_person = PersonChoiceField(
        label=gettext_lazy("责任人"), required=False, queryset=Person.objects.select_related("unit"),
    )

    class Meta:
        model = Task
        fields = ["seq", "indicator", "content", "requirement", "measures", "lead_unit", "cooperating_units",
                  "responsible_leader", "responsible_person", "starts_on", "due_on"]
        widgets = {
            "content": forms.Textarea(attrs={"rows": 3}),
            "requirement": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 4}),
            "cooperating_units": forms.SelectMultiple(attrs={"size": 8}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(standard__campaigns=campaign).select_related("standard").order_by(
                "standard__code", "order")
        )
        self.fields["indicator"].label_from_instance = lambda i: f"{i.code} {i.name}"
        units = Unit.objects.exclude(kind=Unit.Kind.CITY).order_by("sort_order", "id")
        self.fields["lead_unit"].queryset = units
        self.fields["cooperating_units"].queryset = units
        self.fields["cooperating_units"].help_text = _("按住 Ctrl（Mac 为 ⌘）可多选")

    def clean_seq(self):
        seq = self.cleaned_data["seq"]
        clash = Task.objects.filter(campaign=self.campaign, seq=seq)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("序号 %(seq)s 已被使用") % {"seq": seq})
        return seq
