from django.urls import path

from enforcement.portal import staff_views

app_name = "contests"
urlpatterns = [
    path("", staff_views.contest_list, name="list"),
    path("<int:pk>/", staff_views.contest_file, name="file"),
    path("<int:pk>/decide/", staff_views.contest_act, name="act"),
    path("documents/<int:pk>/", staff_views.contest_document, name="document"),
]
