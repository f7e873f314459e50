from django.urls import path

from . import views

urlpatterns = [
    path("", views.planner_index, name="planner_index"),
    path("map/", views.planner_map, name="planner_map"),
    path("map/outlines/", views.planner_map_outlines, name="planner_map_outlines"),
    path("<int:campaign_pk>/<int:indicator_pk>/", views.plan_detail, name="plan_detail"),
    path("<int:campaign_pk>/<int:indicator_pk>/sites/", views.plan_sites, name="plan_sites"),
    path("<int:campaign_pk>/<int:indicator_pk>/tasks/", views.plan_tasks, name="plan_tasks"),
]
