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
    path(
        "staff/password-reset/",
        # Our own template names: django.contrib.admin ships registration/password_reset_*
        # templates that would otherwise win.
        auth_views.PasswordResetView.as_view(
            template_name="staff_auth/password_reset_form.html",
            email_template_name="staff_auth/password_reset_email.txt",
            subject_template_name="staff_auth/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "staff/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="staff_auth/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "staff/password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="staff_auth/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "staff/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="staff_auth/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("staff/cameras/", include("cameras.urls")),
    path("staff/policy/", include("policy.urls")),
    path("staff/dead-letters/", include("enforcement.dead_letter_urls")),
    path("staff/", include("enforcement.urls")),
    path("staff/contests/", include("enforcement.portal.staff_urls")),
    path("staff/relief/", include("enforcement.portal.relief_urls")),
    path("portal/", include("enforcement.portal.urls")),
    path("", include("enforcement.public_urls")),
]

# Styled, translated error pages (enforcement/templates/errors/).
handler400 = "enforcement.errors.bad_request"
handler403 = "enforcement.errors.permission_denied"
handler404 = "enforcement.errors.page_not_found"
handler500 = "enforcement.errors.server_error"
