from django.urls import path

from cameras import views, views_calibration

app_name = "cameras"
# Fixed segments come before <code>: forms.RESERVED_CODES keeps codes from shadowing them.
urlpatterns = [
    path("", views.camera_list, name="list"),
    path("health/", views.camera_health, name="health"),
    path("new/", views.camera_create, name="create"),
    path("sites/", views.site_list, name="sites"),
    path("sites/new/", views.site_create, name="site-create"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
    path("<slug:code>/", views.camera_detail, name="detail"),
    path("<slug:code>/edit/", views.camera_edit, name="edit"),
    path("<slug:code>/certificates/", views.certificate_list, name="certificates"),
    path(
        "<slug:code>/certificates/<int:pk>/document/",
        views.certificate_document,
        name="certificate-document",
    ),
    path("<slug:code>/selftests/run/", views.selftest_run_now, name="selftest-run"),
    path("<slug:code>/calibrate/", views_calibration.calibrate, name="calibrate"),
    path("<slug:code>/calibrate/check/", views_calibration.calibrate_check, name="calibrate-check"),
    path("<slug:code>/calibrate/save/", views_calibration.calibrate_save, name="calibrate-save"),
    path("<slug:code>/stills/grab/", views_calibration.still_grab, name="still-grab"),
    path("<slug:code>/stills/upload/", views_calibration.still_upload, name="still-upload"),
    path("<slug:code>/stills/<int:pk>/", views_calibration.still_file, name="still"),
    path("<slug:code>/calibrations/", views_calibration.calibration_history, name="calibrations"),
    path(
        "<slug:code>/calibrations/import/",
        views_calibration.calibration_import,
        name="calibration-import",
    ),
    path(
        "<slug:code>/calibrations/current.json",
        views_calibration.calibration_export,
        name="calibration-export-current",
    ),
    path(
        "<slug:code>/calibrations/v<int:version>.json",
        views_calibration.calibration_export,
        name="calibration-export",
    ),
]
