from django import forms
from django.core.exceptions import ValidationError

from .gate import WorkbookRefused, check_workbook


class WorkbookField(forms.FileField):
    """An uploaded workbook that passed the gate; the gate's facts ride along as `file.facts`.

    Empty files are let through Django's own check (its message does not name the file) so
    that the gate refuses them by name."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("accept", ".xlsx")

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                upload.facts = check_workbook(upload, upload.name)
            except WorkbookRefused as exc:
                raise ValidationError(exc.message, code=f"refused_{exc.limit}") from None
        return upload
