from django.urls import path

from policy import views

app_name = "policy"
urlpatterns = [
    path("placements/", views.placement_list, name="placements"),
    path("audit/", views.audit_log, name="audit-log"),
]
