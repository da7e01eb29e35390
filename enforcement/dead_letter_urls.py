from django.urls import path

from enforcement import views_dead_letters as views

app_name = "dead-letters"
urlpatterns = [
    path("", views.dead_letter_list, name="list"),
    path("<int:pk>/", views.dead_letter_detail, name="detail"),
    path("<int:pk>/replay/", views.dead_letter_replay_view, name="replay"),
]
