"""The one reader of `?next=`: a page of this site, or nothing.

Browsers treat `/\\evil.example/` like `//evil.example/` (off-site), so backslashes are refused
outright, as are control characters and anything that is not a path starting with one "/".
"""
from urllib.parse import unquote

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, field="next", default=""):
    value = request.POST.get(field) if request.method == "POST" and field in request.POST else request.GET.get(field)
    return safe_url(value, request) or default


def safe_url(value, request):
    value = value or ""
    # Checked once more decoded: a redirect target may be decoded again on its way.
    decoded = unquote(value)
    if not value.startswith("/") or value.startswith("//") or "\\" in decoded or decoded.startswith("//"):
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in decoded):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return ""
    return value
