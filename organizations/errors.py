"""403, 404 and 500 in the product's layout (config/urls.py names them as Django's handlers).

403 and 404 render the full layout, sidebar included, for a signed-in user. 500 renders a
standalone page with no context processors and no session or user lookup: it must show
even when the database is what failed.
"""
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", {"code": 403}, status=403)


def csrf_failure(request, reason=""):
    # Most often an expired form after a long pause or a second tab that signed out.
    return render(request, "errors/403.html", {"code": 403, "csrf": True}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", {"code": 404}, status=404)


def server_error(request):
    try:
        css = static("css/app.css")
    except Exception:  # a missing manifest entry must not turn the 500 page into another 500
        css = "/static/css/app.css"
    try:
        icon = static("favicon.svg")
    except Exception:
        icon = "/static/favicon.svg"
    html = loader.get_template("errors/500.html").render(
        {"code": 500, "css_url": css, "icon_url": icon, "path": request.path, "app_name": _("创园指挥中心")}
    )
    return HttpResponseServerError(html)
