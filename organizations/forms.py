from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.db.models import Q


def _same_address(a, b):
    return bool(a) and bool(b) and auth_forms._unicode_ci_compare(a, b)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, also matching the address on the person record: the office fills
    in people's e-mail there (as the alert mails read it), not always on the login itself."""

    def get_users(self, email):
        users = (get_user_model()._default_manager
                 .filter(Q(email__iexact=email) | Q(person__email__iexact=email), is_active=True)
                 .select_related("person").distinct())
        for user in users:
            person_email = getattr(getattr(user, "person", None), "email", "")
            if user.has_usable_password() and (_same_address(email, user.email) or _same_address(email, person_email)):
                # The token hashes user.email, so it is left as stored; send_mail picks the address.
                yield user

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        # The stored address, never the typed one: a look-alike that matched case-insensitively
        # in the database must not receive the link.
        to_email = to_email or context["user"].person.email
        super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                          html_email_template_name=html_email_template_name)
