"""Pages of the calling floor: the preview-dialing session, a call's page with its
recording, and the phone system's settings.

The session page is driven by keys (static/js/dialer.js); every action is also a plain
form, so it works without script too. Leads come from the dialer service (which reads
them within the agent's own leads and their team's pool), calls through
`calling.access.visible_calls` (404 for a call outside the user's scope).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.views import allowed_if, error_messages, staff_required
from leads.selectors.leads import lead_timeline
from risk import access as risk_access
from risk import services as risk
from risk.models import PhoneReveal

from .. import access
from ..forms import PhoneSettingsForm, SessionSaveForm, SessionSkipForm
from ..models import CallEvent, PhoneCall, Recording
from ..services import dialer, phone
from ..services.recordings import recording_location

HISTORY_SHOWN = 10


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _shortcuts(now: dt.datetime) -> dict[str, str]:
    """The next-follow-up shortcuts, in the center's time zone."""
    local = timezone.localtime(now)
    tomorrow = (local + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    days = (7 - local.weekday()) % 7 or 7
    monday = (local + dt.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "now": _local_input(now),
        "tomorrow": _local_input(tomorrow),
        "monday": _local_input(monday),
    }


def _session_context(request, *, save_form=None, skip_form=None) -> dict:
    user = request.user
    session = dialer.session_for(user)
    context = {"session": session, "preview": None, "config": phone.phone_settings()}
    if session is None:
        return context
    preview = dialer.lead_next(agent=user)
    context["preview"] = preview
    if preview is None:
        return context
    lead = preview.lead
    save_form = save_form or SessionSaveForm(initial={"lead": lead.pk})
    context.update(
        lead=lead,
        phone_shown=risk_access.phone_for(user, lead.phone),
        timeline=lead_timeline(lead, limit=HISTORY_SHOWN),
        save_form=save_form,
        skip_form=skip_form or SessionSkipForm(initial={"lead": lead.pk}),
        dispositions=[
            (index + 1, value, label)
            for index, (value, label) in enumerate(save_form.fields["disposition"].choices)
        ][:9],
        extra_dispositions=list(save_form.fields["disposition"].choices)[9:],
        shortcuts=_shortcuts(timezone.now()),
        lease_seconds=dialer.lease_seconds(),
    )
    return context


@allowed_if(access.can_dial)
@require_GET
def session(request):
    return render(request, "calling/session.html", _session_context(request))


@allowed_if(access.can_dial)
@require_POST
def session_start(request):
    dialer.session_start(agent=request.user)
    return redirect("calling:session")


@allowed_if(access.can_dial)
@require_POST
def session_stop(request):
    dialer.session_stop(agent=request.user)
    messages.info(request, _("Calling session ended."))
    return redirect("leads:worklist")


def _lead_id(request) -> int | None:
    try:
        return int(request.POST.get("lead", ""))
    except ValueError:
        return None


class _DialRedirect(HttpResponseRedirect):
    allowed_schemes = ["tel"]


@allowed_if(access.can_dial)
@require_POST
def dial(request):
    """Call the previewed lead: through the phone system when one is configured (the
    answer names the call to follow), else a `tel:` link (the number is revealed and
    logged as a click-to-call)."""
    lead_id = _lead_id(request)
    try:
        if lead_id is None:
            raise ValidationError({"lead": _("Which lead?")})
        lead = dialer.lead_prepare_call(agent=request.user, lead_id=lead_id)
        config = phone.phone_settings()
        if config.configured:
            phone_call = phone.call_originate(agent=request.user, lead=lead, config=config)
            answer = {
                "mode": "phone",
                "call": str(phone_call.reference),
                "status_url": reverse("calling:call_status", args=[phone_call.reference]),
            }
        else:
            number = risk.phone_reveal(
                user=request.user,
                lead=lead,
                purpose=PhoneReveal.Purpose.CLICK_TO_CALL,
                ip=risk.client_ip(request),
            )
            answer = {"mode": "tel", "href": f"tel:{number}"}
    except ValidationError as error:
        text = " ".join(error_messages(error))
        if _wants_json(request):
            return JsonResponse({"error": text}, status=400)
        messages.error(request, text)
        return redirect("calling:session")
    if _wants_json(request):
        return JsonResponse(answer)
    if answer["mode"] == "tel":
        return _DialRedirect(answer["href"])
    messages.info(request, _("The phone system is ringing your extension."))
    return redirect("calling:session")


@allowed_if(access.can_dial)
@require_GET
def call_status(request, reference):
    phone_call = get_object_or_404(access.visible_phone_calls(request.user), reference=reference)
    return JsonResponse(
        {
            "status": phone_call.status,
            "status_label": phone_call.get_status_display(),
            "answered_at": phone_call.answered_at.isoformat() if phone_call.answered_at else None,
            "ended_at": phone_call.ended_at.isoformat() if phone_call.ended_at else None,
            "talk_seconds": phone_call.talk_seconds,
        }
    )


@allowed_if(access.can_dial)
@require_POST
def session_save(request):
    """Save the outcome and go on to the next lead."""
    form = SessionSaveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        phone_call = None
        if data.get("phone_call"):
            phone_call = (
                access.visible_phone_calls(request.user)
                .filter(reference=data["phone_call"])
                .first()
            )
        try:
            dialer.lead_save(
                agent=request.user,
                lead_id=data["lead"],
                disposition=data["disposition"],
                notes=data["notes"],
                next_followup_at=data.get("next_followup_at"),
                phone_call=phone_call,
            )
        except ValidationError as error:
            for message in error_messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved. Next lead."))
            return redirect("calling:session")
    context = _session_context(request, save_form=form)
    return render(request, "calling/session.html", context, status=400)


@allowed_if(access.can_dial)
@require_POST
def session_skip(request):
    form = SessionSkipForm(request.POST)
    if form.is_valid():
        try:
            dialer.lead_skip(
                agent=request.user,
                lead_id=form.cleaned_data["lead"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error_messages(error):
                form.add_error(None, message)
        else:
            messages.info(request, _("Skipped. Next lead."))
            return redirect("calling:session")
    context = _session_context(request, skip_form=form)
    return render(request, "calling/session.html", context, status=400)


@allowed_if(access.can_dial)
@require_POST
def lease_renew(request):
    lead_id = _lead_id(request)
    held = lead_id is not None and dialer.lease_renew(agent=request.user, lead_id=lead_id)
    return HttpResponse(status=204 if held else 409)


@staff_required
@require_GET
def call_detail(request, pk: int):
    call = get_object_or_404(
        access.visible_calls(request.user).select_related("lead", "agent"), pk=pk
    )
    phone_call = PhoneCall.objects.filter(call=call).first()
    return render(
        request,
        "calling/call.html",
        {
            "call": call,
            "has_recording": bool(recording_location(call)),
            "purged": Recording.objects.filter(call=call, purged_at__isnull=False).exists(),
            "events": CallEvent.objects.filter(phone_call=phone_call) if phone_call else [],
            "phone_call": phone_call,
            "number_shown": risk_access.phone_for(
                request.user, call.callee if call.direction == "outbound" else call.caller
            ),
        },
    )


@allowed_if(access.can_configure_phone)
@require_http_methods(["GET", "POST"])
def phone_settings(request):
    current = phone.phone_settings_stored()
    form = PhoneSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            phone.phone_settings_save(by=request.user, **values)
        except ValidationError as error:
            for message in error_messages(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("Phone system saved."))
            return redirect("calling:phone_settings")
    if not access.can_configure_phone(request.user):  # pragma: no cover - decorator
        raise PermissionDenied
    return render(
        request,
        "calling/phone_settings.html",
        {
            "form": form,
            "secret_hint": phone.secret_hint(current.webhook_secret),
            "auth_hint": phone.secret_hint(current.auth_header_value),
            "events_url": request.build_absolute_uri(reverse("calling-events-list")),
        },
    )
