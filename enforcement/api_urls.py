from rest_framework.routers import DefaultRouter

from enforcement import api

router = DefaultRouter()
router.register("cameras", api.CameraViewSet, basename="camera")
router.register("violations", api.ViolationViewSet, basename="violation")

urlpatterns = router.urls
