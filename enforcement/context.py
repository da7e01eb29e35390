"""Template context every page needs: the agency's identity and the language menu."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info


def site(request: HttpRequest) -> dict[str, object]:
    # Each language is named in its own language: a Spanish reader looking for English
    # must find "English", not "Inglés".
    languages = [
        {"code": code, "name": get_language_info(code)["name_local"]}
        for code, _name in settings.LANGUAGES
    ]
    return {"agency": settings.AGENCY, "site_languages": languages}
