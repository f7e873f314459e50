from django.urls import path

from . import views

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/", views.task_create_view, name="task_create"),
    path("mine/", views.task_mine, name="task_mine"),
    path("units/", views.task_unit_counts, name="task_unit_counts"),
    path("leaders/", views.task_leader_list, name="task_leader_list"),
    path("leaders/<int:pk>/", views.task_leader, name="task_leader"),
    path("export/", views.task_export, name="task_export"),
    path("template/", views.task_template, name="task_template"),
    path("import/", views.task_import, name="task_import"),
    path("import/<int:pk>/", views.task_import_preview, name="task_import_preview"),
    path("import/<int:pk>/confirm/", views.task_import_confirm, name="task_import_confirm"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/edit/", views.task_edit_view, name="task_edit"),
    path("<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("<int:pk>/contributions/", views.task_contribute_view, name="task_contribute"),
    path("<int:pk>/submit/", views.task_submit_view, name="task_submit"),
    path("<int:pk>/accept/", views.task_accept_view, name="task_accept"),
    path("<int:pk>/send-back/", views.task_send_back_view, name="task_send_back"),
    path("<int:pk>/milestones/", views.task_milestone_create, name="task_milestone_add"),
    path("<int:pk>/milestones/<int:milestone_pk>/done/", views.task_milestone_done, name="task_milestone_done"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.task_evidence, name="task_evidence"),
]
