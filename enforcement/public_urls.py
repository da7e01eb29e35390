from django.urls import path

from enforcement import public_views
from enforcement.portal import views as portal_views

app_name = "public"
urlpatterns = [
    path("portal/", portal_views.portal_lookup, name="portal"),
    path("transparency/", public_views.transparency, name="transparency"),
    path("transparency/report.json", public_views.transparency_json, name="transparency-json"),
    path("transparency/report.csv", public_views.transparency_csv, name="transparency-csv"),
    path("about/<slug:slug>/", public_views.info_page, name="page"),
]
