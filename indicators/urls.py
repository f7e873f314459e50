from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<int:pk>/", views.campaign_overview, name="campaign_overview"),
]
