from django.urls import path

from enforcement.portal import relief_views

app_name = "relief"
urlpatterns = [
    path("", relief_views.relief_list, name="list"),
    path("<int:pk>/", relief_views.relief_file, name="file"),
    path("service/<int:notice_id>/", relief_views.service_record, name="service"),
]
