from django.urls import path

from enforcement.portal import views

app_name = "portal"
urlpatterns = [
    path("case/", views.portal_case, name="case"),
    path("case/evidence/<slug:role>/", views.portal_evidence, name="evidence"),
    path("case/pay/", views.portal_pay, name="pay"),
    path("leave/", views.portal_leave, name="leave"),
]
