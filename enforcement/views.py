"""Thin views for the staff home and the public home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from enforcement.roles import ROLE_LABELS, user_roles
from enforcement.selectors import staff_home_links


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    context = {
        "roles": [(role, ROLE_LABELS[role]) for role in roles],
        "links": staff_home_links(roles),
    }
    return render(request, "enforcement/staff_home.html", context)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "enforcement/home.html")
