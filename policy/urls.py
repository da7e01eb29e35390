from django.urls import path

from policy import views, views_audit, views_equity

app_name = "policy"
urlpatterns = [
    path("placements/", views.placement_list, name="placements"),
    path("placements/new/", views.placement_new, name="placement-new"),
    path("placements/<int:pk>/", views.placement_detail, name="placement"),
    path("placements/<int:pk>/submit/", views.placement_submit, name="placement-submit"),
    path("placements/<int:pk>/decide/", views.placement_decide, name="placement-decide"),
    path("placements/<int:pk>/comment/", views.placement_comment, name="placement-comment"),
    path("placements/<int:pk>/<slug:step>/", views.placement_step, name="placement-step"),
    path("equity/", views_equity.equity_dashboard, name="equity"),
    path("equity.csv", views_equity.equity_csv, name="equity-csv"),
    path("dry-run/", views_equity.dry_run, name="dry-run"),
    path("audit/", views_audit.audit_log, name="audit-log"),
    path("audit/export.csv", views_audit.audit_log_csv, name="audit-log-csv"),
]
