"""Staff pages for dead letters: list, look at one, replay it. Thin: services do the work."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cameras.access import require
from enforcement.models import DeadLetter
from enforcement.services_dead_letters import (
    DeadLetterError,
    dead_letter_payload,
    dead_letter_replay,
)

VIEW = "enforcement.view_deadletter"
REPLAY = "enforcement.replay_deadletter"


@require(VIEW)
def dead_letter_list(request: HttpRequest) -> HttpResponse:
    show_resolved = request.GET.get("resolved") == "1"
    letters = DeadLetter.objects.filter(resolved=show_resolved).order_by("-received_at")[:500]
    return render(
        request,
        "enforcement/dead_letters.html",
        {"letters": letters, "show_resolved": show_resolved},
    )


@require(VIEW)
def dead_letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(DeadLetter, pk=pk)
    payload = json.dumps(dead_letter_payload(letter), indent=2, sort_keys=True)
    return render(
        request,
        "enforcement/dead_letter.html",
        {"letter": letter, "payload": payload, "can_replay": request.user.has_perm(REPLAY)},
    )


@require_POST
@require(REPLAY)
def dead_letter_replay_view(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(DeadLetter, pk=pk)
    try:
        result = dead_letter_replay(letter, actor=request.user)
    except DeadLetterError as exc:
        messages.warning(request, str(exc))
    except DatabaseError as exc:  # transient: nothing changed, try again later
        messages.error(request, _("The database is unavailable (%(e)s); try again.") % {"e": exc})
    else:
        if result.violation is not None:
            messages.success(
                request,
                _("Replayed: stored as violation %(id)s.") % {"id": result.violation.event_id},
            )
        else:
            messages.error(request, _("Replay failed again: %(e)s") % {"e": result.error})
    return redirect("dead-letters:detail", pk=pk)
