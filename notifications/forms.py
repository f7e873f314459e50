from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.models import Unit

from .models import NotificationPreference, UnitChannel


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("电子邮件"), required=False)
    sms = forms.BooleanField(label=_("短信"), required=False)
    quiet_start = forms.TimeField(label=_("免打扰开始"), required=False,
                                  widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    quiet_end = forms.TimeField(label=_("免打扰结束"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    @classmethod
    def for_user(cls, user, data=None):
        pref = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
        initial = {"email": pref.email, "sms": pref.sms, "quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end}
        return cls(data, initial=initial)


class UnitChannelForm(forms.ModelForm):
    url = forms.URLField(label=_("Webhook 地址"), max_length=500, assume_scheme="https",
                         help_text=_("机器人的完整 Webhook 地址（含 key 或 access_token）"))

    class Meta:
        model = UnitChannel
        fields = ["unit", "kind", "msgtype", "url", "secret", "enabled"]
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.exclude(kind=Unit.Kind.CITY).order_by("kind", "sort_order", "id")
