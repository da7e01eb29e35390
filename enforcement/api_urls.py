from rest_framework.routers import DefaultRouter

from enforcement import api
from enforcement.cases.api import CaseViewSet, NoticeViewSet

router = DefaultRouter()
router.register("cameras", api.CameraViewSet, basename="camera")
router.register("violations", CaseViewSet, basename="violation")
router.register("citations", NoticeViewSet, basename="citation")

urlpatterns = router.urls
