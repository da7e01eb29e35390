from django.urls import path

from enforcement.portal import contest_views, relief_views, views

app_name = "portal"
urlpatterns = [
    path("case/", views.portal_case, name="case"),
    path("case/evidence/<slug:role>/", views.portal_evidence, name="evidence"),
    path("case/pay/", views.portal_pay, name="pay"),
    path("case/contest/", contest_views.portal_contest, name="contest"),
    path("case/hearing/", contest_views.portal_hearing, name="hearing"),
    path("case/documents/<int:pk>/", contest_views.portal_document, name="document"),
    path("case/driver/", contest_views.portal_nominate, name="nominate"),
    path("case/relief/", relief_views.portal_relief, name="relief"),
    path("case/plan/", relief_views.portal_plan, name="plan"),
    path("case/service/", relief_views.portal_service, name="service"),
    path("case/plan/pay/", relief_views.portal_plan_pay, name="plan-pay"),
    path("leave/", views.portal_leave, name="leave"),
]
