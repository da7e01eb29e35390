from django.urls import path

from enforcement.cases import views, views_mailing

# Included by enforcement.urls, inside its "enforcement" namespace.
urlpatterns = [
    path("queue/<slug:queue>/", views.queue_list, name="queue"),
    path("queue/<slug:queue>/next/", views.queue_next, name="queue-next"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/act/", views.case_act, name="case-act"),
    path("<int:pk>/files/<str:name>", views.case_file, name="case-file"),
    path("mailing/", views_mailing.mailing_list, name="mailing"),
    path("mailing/act/", views_mailing.mailing_act, name="mailing-act"),
    path("mailing/<int:pk>/<slug:kind>/", views_mailing.mailing_file, name="mailing-file"),
    # The staff home's links (enforcement.selectors) name the two queues.
    path("review/", views.queue_list, {"queue": "review"}, name="review-queue"),
    path("approval/", views.queue_list, {"queue": "approval"}, name="approval-queue"),
]
