from django.urls import path

from . import views

urlpatterns = [
    path("", views.ledger_list, name="ledger_list"),
    path("templates/<slug:ledger_type>/", views.ledger_template, name="ledger_template"),
    path("upload/", views.ledger_upload, name="ledger_upload"),
    path("recompute/", views.ledger_recompute, name="ledger_recompute"),
    path("uploads/<int:pk>/", views.ledger_upload_detail, name="ledger_upload_detail"),
    path("uploads/<int:pk>/progress/", views.ledger_upload_progress, name="ledger_upload_progress"),
    path("uploads/<int:pk>/confirm/", views.ledger_upload_confirm, name="ledger_upload_confirm"),
    path("uploads/<int:pk>/cancel/", views.ledger_upload_cancel, name="ledger_upload_cancel"),
    path("uploads/<int:pk>/reparse/", views.ledger_upload_reparse, name="ledger_upload_reparse"),
    path("uploads/<int:pk>/headers/", views.ledger_upload_map_headers, name="ledger_upload_map_headers"),
    path("headers/", views.ledger_header_aliases, name="ledger_header_aliases"),
    path("headers/<int:pk>/delete/", views.ledger_header_alias_delete, name="ledger_header_alias_delete"),
    path("uploads/<int:pk>/file/", views.ledger_upload_file, name="ledger_upload_file"),
    path("uploads/<int:pk>/errors/", views.ledger_upload_errors, name="ledger_upload_errors"),
    path("versions/<int:pk>/", views.ledger_version, name="ledger_version"),
    path("versions/<int:pk>/file/", views.ledger_version_file, name="ledger_version_file"),
    path("values/<int:pk>/", views.ledger_value, name="ledger_value"),
    path("<int:pk>/", views.ledger_detail, name="ledger_detail"),
]
