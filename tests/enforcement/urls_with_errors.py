"""The project's URLs plus one view that fails, to see the 500 page as the public would."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
