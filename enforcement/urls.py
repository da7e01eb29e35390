"""Staff pages of the enforcement app (mounted under /staff/): the case queues and
mailing under cases/, retention and legal holds under retention/."""

from django.urls import include, path

from enforcement import views_retention

app_name = "enforcement"
urlpatterns = [
    path("cases/", include("enforcement.cases.urls")),
    path("retention/", views_retention.retention_page, name="retention"),
    path("retention/holds/", views_retention.hold_place, name="hold-place"),
    path("retention/holds/<int:pk>/release/", views_retention.hold_release, name="hold-release"),
]
