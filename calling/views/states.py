"""Pages of the calling floor: the state control in the header (a fragment loaded with
htmx for agents and team managers), the change it posts, and the activity heartbeat."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from crm.views import allowed_if

from .. import access as calling_access
from ..forms import StateForm
from ..models import AgentState, PauseCode, StateSource
from ..services import states as state_services

BADGES = {
    AgentState.READY: "text-bg-success",
    AgentState.ON_CALL: "text-bg-primary",
    AgentState.WRAP_UP: "text-bg-info",
    AgentState.PAUSED: "text-bg-warning",
    AgentState.OFFLINE: "text-bg-secondary",
}


def _control(request, *, error: str = ""):
    row = state_services.current_state(request.user)
    state = row.state if row else AgentState.OFFLINE
    code = row.pause_code if row and row.pause_code_id else None
    elapsed = int((timezone.now() - row.started_at).total_seconds()) if row else 0
    over = bool(code and code.max_minutes and elapsed > code.max_minutes * 60)
    context = {
        "state": state,
        "label": code.label if code else AgentState(state).label,
        "badge": "text-bg-danger" if over else BADGES[state],
        "elapsed": max(elapsed, 0) if state != AgentState.OFFLINE else None,
        "codes": list(PauseCode.objects.filter(active=True)),
        "current_code": code.pk if code else None,
        "error": error,
    }
    return render(request, "calling/partials/state_control.html", context)


@require_GET
@allowed_if(calling_access.takes_calls)
def state_control(request):
    return _control(request)


@require_POST
@allowed_if(calling_access.takes_calls)
def state_change(request):
    form = StateForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            state_services.change_state(
                request.user,
                form.cleaned_data["state"],
                source=StateSource.AGENT,
                pause_code=form.cleaned_data["pause_code"],
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    else:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    if request.headers.get("HX-Request"):
        return _control(request, error=error)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("home")
    return redirect(back)


@require_POST
@allowed_if(calling_access.takes_calls)
def seen(request):
    """The agent is at the keyboard (a key or a click): the idle timeout starts again."""
    state_services.note_presence(request.user)
    return HttpResponse(status=204)
