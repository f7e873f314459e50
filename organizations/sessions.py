"""Idle session timeout: a session unused for SESSION_IDLE_TIMEOUT seconds is logged out.

Django's own SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST would count the bell's poll
every minute as activity, so an unattended open tab would never time out: the last page view
is kept in the session instead, and views that poll are marked with `background_poll`.
"""
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_SEEN = "last_seen"
# Writing the session on every request would cost a database write per click: a minute's
# precision is plenty for a timeout counted in hours.
RESOLUTION = 60


def background_poll(view):
    """Mark a view that pages call on their own (polling): it neither counts as activity
    nor keeps a session alive."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapped.background_poll = True
    return wrapped


class IdleSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        now = int(timezone.now().timestamp())
        last_seen = request.session.get(LAST_SEEN)
        if last_seen is not None and now - last_seen >= settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(request, _("您已长时间未操作，为安全起见已退出登录，请重新登录。"))
            return None  # the view now sees an anonymous user and sends it to the login page
        if getattr(view_func, "background_poll", False):
            return None
        if last_seen is None or now - last_seen >= RESOLUTION:
            request.session[LAST_SEEN] = now
        return None
