from django.urls import path

from enforcement import public_views

app_name = "public"
urlpatterns = [
    path("portal/", public_views.portal_lookup, name="portal"),
    path("transparency/", public_views.transparency, name="transparency"),
]
