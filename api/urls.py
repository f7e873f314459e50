from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # JSON only: one URL per operation
router.register("standards", views.StandardViewSet, basename="api-standard")
router.register("nodes", views.NodeViewSet, basename="api-node")
router.register("indicators", views.IndicatorViewSet, basename="api-indicator")
router.register("campaigns", views.CampaignViewSet, basename="api-campaign")
router.register("values", views.ValueViewSet, basename="api-value")
router.register("units", views.UnitViewSet, basename="api-unit")
router.register("people", views.PersonViewSet, basename="api-person")
router.register("notifications", views.NotificationViewSet, basename="api-notification")
router.register("briefings", views.BriefingViewSet, basename="api-briefing")
router.register("tasks", views.TaskViewSet, basename="api-task")
router.register("findings", views.FindingViewSet, basename="api-finding")
router.register("ledgers", views.LedgerViewSet, basename="api-ledger")
router.register("ledger-uploads", views.LedgerUploadViewSet, basename="api-ledger-upload")
router.register("ledger-versions", views.LedgerVersionViewSet, basename="api-ledger-version")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI from drf-spectacular-sidecar's vendored files; the split view serves its
    # start-up script as a file, so the page has no inline script under our CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema",
                                                      template_name="api/swagger_ui.html"), name="api-docs"),
]
