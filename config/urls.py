"""Root URLs: each app mounts its own; the project adds health, auth, admin and the API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from enforcement import views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("enforcement.api_urls")),
    path("", views.home, name="home"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/login/", auth_views.LoginView.as_view(), name="login"),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/cameras/", include("cameras.urls")),
    path("staff/policy/", include("policy.urls")),
    path("staff/cases/", include("enforcement.cases.urls")),
    path("staff/contests/", include("enforcement.portal.staff_urls")),
    path("staff/relief/", include("enforcement.portal.relief_urls")),
    path("portal/", include("enforcement.portal.urls")),
    path("", include("enforcement.public_urls")),
]
