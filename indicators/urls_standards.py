from django.urls import path

from . import views_standards as views

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
    path("<slug:code>/", views.standard_detail, name="standard_detail"),
    path("<slug:code>/export.xlsx", views.standard_export, name="standard_export"),
    path("<slug:code>/import/", views.standard_import, name="standard_import"),
    path("<slug:code>/import/confirm/", views.standard_import_confirm, name="standard_import_confirm"),
    path("<slug:code>/import/cancel/", views.standard_import_cancel, name="standard_import_cancel"),
    path(
        "<slug:code>/indicators/<str:indicator_code>/edit/",
        views.standard_indicator_edit,
        name="standard_indicator_edit",
    ),
]
