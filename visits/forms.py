from django import forms
from django.utils.translation import gettext_lazy

from organizations.models import Unit

from .files import check_material_file

DATE = forms.DateInput(attrs={"type": "date"})
ACCEPT = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,.pptx"


class MaterialFileField(forms.FileField):
    """One file, checked by content (visits.files); cleaned to a CheckedFile."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return upload
        return check_material_file(upload)


class UploadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("文件题名"), max_length=200)
    doc_number = forms.CharField(label=gettext_lazy("文号"), max_length=100, required=False,
                                 widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如 示政发〔2025〕12号")}))
    doc_date = forms.DateField(label=gettext_lazy("成文日期"), widget=DATE,
                               help_text=gettext_lazy("文件本身的日期（不是上传日期），用于核对“近 N 年”"))
    pages = forms.IntegerField(label=gettext_lazy("页数"), min_value=1, max_value=100000)
    file = MaterialFileField(label=gettext_lazy("文件"),
                             help_text=gettext_lazy("PDF、JPEG / PNG 图片或 Word / Excel / PowerPoint（.docx/.xlsx/.pptx）"),
                             widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class ReuploadForm(forms.Form):
    file = MaterialFileField(label=gettext_lazy("新版本文件"),
                             widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    doc_date = forms.DateField(label=gettext_lazy("成文日期"), widget=DATE, required=False)
    pages = forms.IntegerField(label=gettext_lazy("页数"), min_value=1, max_value=100000, required=False)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("退回理由"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("报送单位"), queryset=Unit.objects.none())
    due_on = forms.DateField(label=gettext_lazy("报送截止"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.exclude(kind__in=[Unit.Kind.CITY]).order_by("sort_order", "name")
