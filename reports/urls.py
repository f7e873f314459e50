from django.urls import path

from . import views, views_briefings

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("upcoming/", views.upcoming_list, name="upcoming_list"),
    path("overdue-units/", views.overdue_units, name="overdue_units"),
    path("briefings/", views_briefings.briefing_list, name="briefing_list"),
    path("briefings/preview/", views_briefings.briefing_preview, name="briefing_preview"),
    path("briefings/build/", views_briefings.briefing_create, name="briefing_create"),
    path("briefings/<int:pk>.pdf", views_briefings.briefing_download, name="briefing_download"),
    path("briefings/<int:pk>/appendix.xlsx", views_briefings.briefing_appendix, name="briefing_appendix"),
    path("briefings/preview/appendix.xlsx", views_briefings.briefing_preview_appendix,
         name="briefing_preview_appendix"),
    path("ranking/", views_briefings.ranking, name="ranking"),
    path("self-evaluation.xlsx", views.self_evaluation_export, name="self_evaluation_export"),
]
