from django.urls import path

from . import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("count/", views.notification_count, name="notification_count"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
    path("preferences/", views.notification_preferences, name="notification_preferences"),
    path("channels/", views.unit_channel_list, name="unit_channel_list"),
    path("channels/<int:pk>/delete/", views.unit_channel_delete_view, name="unit_channel_delete"),
]
