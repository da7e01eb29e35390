from django.urls import path

from enforcement import public_views
from enforcement.portal import views as portal_views

app_name = "public"
urlpatterns = [
    path("portal/", portal_views.portal_lookup, name="portal"),
    path("transparency/", public_views.transparency, name="transparency"),
]
