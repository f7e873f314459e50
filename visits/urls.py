from django.urls import path

from . import views, views_routes

urlpatterns = [
    path("materials/", views.material_list, name="material_list"),
    path("materials/review/", views.material_review, name="material_review"),
    path("materials/<int:pk>/", views.material_assignment, name="material_assignment"),
    path("materials/<int:pk>/upload/", views.material_upload, name="material_upload"),
    path("materials/documents/<int:pk>/reupload/", views.material_document_reupload,
         name="material_document_reupload"),
    path("materials/documents/<int:pk>/accept/", views.material_document_accept, name="material_document_accept"),
    path("materials/documents/<int:pk>/return/", views.material_document_return, name="material_document_return"),
    path("materials/files/<int:pk>/", views.material_file, name="material_file"),
    path("materials/requirements/<int:pk>/assign/", views.material_assign, name="material_assign"),
    path("materials/packages/", views.material_packages, name="material_packages"),
    path("materials/packages/new/", views.material_package_create, name="material_package_create"),
    path("materials/packages/<int:pk>/", views.material_package, name="material_package"),
    path("materials/packages/<int:pk>/progress/", views.material_package_progress, name="material_package_progress"),
    path("materials/packages/<int:pk>/download/", views.material_package_download, name="material_package_download"),
]

urlpatterns += [
    path("points/", views_routes.point_list, name="point_list"),
    path("points/new/", views_routes.point_create, name="point_create"),
    path("points/from-ledger/", views_routes.points_from_ledger, name="points_from_ledger"),
    path("points/<int:pk>/", views_routes.point_detail, name="point_detail"),
    path("points/<int:pk>/confirm/", views_routes.point_confirm, name="point_confirm"),
    path("points/<int:pk>/link-finding/", views_routes.point_link_finding, name="point_link_finding"),
    path("routes/", views_routes.route_list, name="route_list"),
    path("routes/new/", views_routes.route_create, name="route_create"),
    path("routes/<int:pk>/", views_routes.route_board, name="route_board"),
    path("routes/<int:pk>/stops/", views_routes.route_stop_add, name="route_stop_add"),
]
