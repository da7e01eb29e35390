from django.urls import path

from policy import views, views_audit

app_name = "policy"
urlpatterns = [
    path("placements/", views.placement_list, name="placements"),
    path("audit/", views_audit.audit_log, name="audit-log"),
    path("audit/export.csv", views_audit.audit_log_csv, name="audit-log-csv"),
]
