from django.urls import path

from . import views

urlpatterns = [
    path("", views.finding_list, name="finding_list"),
    path("export.xlsx", views.finding_export, name="finding_export"),
    path("queue/", views.finding_queue, name="finding_queue"),
    path("new/", views.finding_create, name="finding_create"),
    path("<int:pk>/", views.finding_detail, name="finding_detail"),
    path("<int:pk>/start/", views.finding_start, name="finding_start"),
    path("<int:pk>/submit/", views.finding_submit, name="finding_submit"),
    path("<int:pk>/close/", views.finding_close, name="finding_close"),
    path("<int:pk>/return/", views.finding_return, name="finding_return"),
    path("<int:pk>/extension/", views.finding_extension_request, name="finding_extension_request"),
    path("extensions/<int:pk>/decide/", views.finding_extension_decide, name="finding_extension_decide"),
    path("photos/<int:pk>/<str:variant>/", views.finding_photo, name="finding_photo"),
    path("orders/", views.finding_order_list, name="finding_order_list"),
    path("orders/batch/", views.finding_order_batch, name="finding_order_batch"),
    path("orders/<int:pk>/pdf/", views.finding_order_pdf, name="finding_order_pdf"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("accountability/", views.finding_accountability_list, name="finding_accountability_list"),
    path("accountability/units/<int:pk>/", views.finding_accountability_unit, name="finding_accountability_unit"),
    path("accountability/units/<int:pk>/new/", views.finding_accountability_create,
         name="finding_accountability_create"),
    path("settings/", views.finding_settings, name="finding_settings"),
]
