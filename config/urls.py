from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic.base import RedirectView

from organizations.forms import PasswordResetForm
from organizations.views import PasswordResetConfirmView

# The sign-in and reset pages keep the bare sign-in layout even for a signed-in browser (a reset
# link opened in it, say).
BARE = {"bare_layout": True}

urlpatterns = [
    # A plain path, not the manifest name: URLs load before collectstatic has run.
    path("favicon.ico", RedirectView.as_view(url="/static/favicon.svg", permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context=BARE), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(
        form_class=PasswordResetForm, extra_context=BARE,
        extra_email_context={"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(extra_context=BARE),
         name="password_reset_done"),
    path("accounts/password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(extra_context=BARE),
         name="password_reset_complete"),
    path("accounts/password/reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(extra_context=BARE),
         name="password_reset_confirm"),
    path("units/", include("organizations.urls")),
    path("standards/", include("indicators.urls_standards")),
    path("tasks/", include("tasks.urls")),
    path("inspections/", include("inspections.urls")),
    path("ledgers/", include("ledgers.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),  # REST API, schema and docs (issue #14)
    path("planner/", include("planner.urls")),
    path("visits/", include("visits.urls")),
    path("", include("indicators.urls")),
]

# No public /media/ route, not even in DEBUG: photos, evidence and ledgers are served by views
# that check the user's units. MEDIA_URL only names files for the PDF renderer's local fetcher.

# The product's own error pages (DEBUG off: `make run`, production).
handler403 = "organizations.errors.permission_denied"
handler404 = "organizations.errors.page_not_found"
handler500 = "organizations.errors.server_error"
