from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:pk>/", views.campaign_overview, name="campaign_overview"),
    path("campaigns/<int:pk>/indicators/<int:indicator_pk>/", views.campaign_indicator, name="campaign_indicator"),
]
