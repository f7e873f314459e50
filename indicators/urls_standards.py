from django.urls import path

from . import views_standards as views

urlpatterns = [
    path("", views.standard_list, name="standard_list"),
]
