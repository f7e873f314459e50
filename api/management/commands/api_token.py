"""Issue or revoke a personal API token from the shell (the admin page does the same):

    python manage.py api_token issue zhujian --name "园林 GIS" --by office --days 365
    python manage.py api_token revoke <prefix> --by office
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from api.models import ApiToken
from api.services import token_issue, token_revoke


class Command(BaseCommand):
    help = "Issue (key printed once) or revoke a personal API token."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["issue", "revoke"])
        parser.add_argument("target", help="username to issue for, or the prefix of the token to revoke")
        parser.add_argument("--by", required=True, help="the office admin's username (recorded in the audit trail)")
        parser.add_argument("--name", default="API")
        parser.add_argument("--days", type=int, default=None, help="expiry in days (default: none)")

    def handle(self, *args, action, target, by, name, days, **options):
        User = get_user_model()
        try:
            office = User.objects.get(username=by)
        except User.DoesNotExist:
            raise CommandError(f"no user {by!r}") from None
        if action == "issue":
            try:
                user = User.objects.get(username=target)
            except User.DoesNotExist:
                raise CommandError(f"no user {target!r}") from None
            expires = timezone.now() + timedelta(days=days) if days else None
            _token, key = token_issue(user=user, name=name, issued_by=office, expires_at=expires)
            self.stdout.write(key)
            return
        tokens = list(ApiToken.objects.filter(prefix=target, revoked_at__isnull=True))
        if not tokens:
            raise CommandError(f"no active token with prefix {target!r}")
        for token in tokens:
            token_revoke(token=token, user=office)
        self.stdout.write(f"revoked {len(tokens)}")
