"""The phone-system adapter: originate a call, receive its events, fetch its recording.

One interface (`PhoneSystem`) with two adapters chosen by the administrator in
`PhoneSettings`: `none` (agents dial with `tel:` links, nothing to originate) and `http`,
a generic adapter for cloud call centers and PBX gateways that offer click-to-call and
webhooks:

* **originate**: a GET or POST to the URL template with `{extension}`, `{number}` and
  `{call_id}` filled in (the number in E.164, the call id ours), the configured
  authentication header, and for POST the same three as a JSON body. The answer may name
  the phone system's own call id (`call_id`, `callId`, `uniqueid` or `id` in a JSON
  object); events then carry it.
* **events** arrive at `POST /api/calling/events/`, signed `X-Signature: sha256=<hex>`
  (HMAC-SHA256 of the raw body with the webhook secret), a JSON object:
  `{"call_id": "…", "event": "ringing|answered|hangup", "at": "2026-12-06T10:00:00+08:00",
  "reference": "<our call_id>", "extension": "801", "number": "+8613800138000",
  "direction": "outbound", "recording_url": "…"}`. They are idempotent by (source, the
  phone system's call id): a kind is recorded once per call, duplicates and retries change
  nothing, and an event arriving out of order (hangup before answered) still ends with the
  right times. They fill the `leads.Call` row (created on the first event): it starts
  when the call was answered (else when it rang), and lasts from answered to hung up.
* **recordings** at an http(s) address are fetched through the adapter (with the
  authentication header when the address is the phone system's own host), byte ranges
  passed through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import Request, urlopen

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.config import cached
from crm.models import Member
from crm.phones import normalize_or_none
from leads.models import Call, Lead
from leads.services import followups

from ..models import (
    PHONE_SETTINGS_CACHE_KEY,
    AgentState,
    CallEvent,
    CallEventKind,
    PhoneAdapter,
    PhoneCall,
    PhoneCallStatus,
    PhoneSettings,
    Recording,
    StateSource,
)
from .states import change_state

SIGNATURE_HEADER = "X-Signature"
CHUNK = 64 * 1024


class PhoneSystemError(Exception):
    """The phone system did not do what was asked (unreachable, refused, bad answer)."""


def phone_settings() -> PhoneSettings:
    """The center's phone system, as the dialer and the webhook read it: every phone
    event reads it, so it is kept a few seconds per process (`crm.config`; a save clears
    it). Read-only: the settings page edits `phone_settings_stored()` instead."""
    return cached(PHONE_SETTINGS_CACHE_KEY, phone_settings_stored)


def phone_settings_stored() -> PhoneSettings:
    """The stored row, read now (an unsaved `none` row before an admin saves one)."""
    return PhoneSettings.objects.filter(pk=1).first() or PhoneSettings(pk=1)


@transaction.atomic
def phone_settings_save(*, by=None, **values) -> PhoneSettings:
    """Save the phone system's settings; an empty `webhook_secret` keeps the current one
    (the form never shows it back)."""
    current = PhoneSettings.objects.select_for_update().filter(pk=1).first() or PhoneSettings(pk=1)
    if not values.get("webhook_secret"):
        values.pop("webhook_secret", None)
    if not values.get("auth_header_value"):
        values.pop("auth_header_value", None)
    for name, value in values.items():
        setattr(current, name, value)
    if current.adapter == PhoneAdapter.HTTP and not current.originate_url:
        raise ValidationError({"originate_url": _("The HTTP adapter needs an originate URL.")})
    if current.originate_url and not current.originate_url.startswith(("http://", "https://")):
        raise ValidationError({"originate_url": _("Enter an http:// or https:// address.")})
    current.save()
    return current


def secret_hint(secret: str) -> str:
    """What the settings page shows of a secret: its last four characters at most."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


# --- the adapters -------------------------------------------------------------------------


@dataclass
class Upstream:
    """A recording's bytes as the phone system answers them."""

    status: int
    headers: dict[str, str]
    chunks: Iterator[bytes]


class PhoneSystem:
    """What the CRM asks of a phone system."""

    configured = False

    def originate(self, *, extension: str, number: str, call_id: str) -> str:
        """Ask the phone system to ring `extension` and connect it to `number`; returns the
        phone system's call id (ours when it names none)."""
        raise PhoneSystemError(_("No phone system is configured."))

    def fetch_recording(self, location: str, *, range_header: str = "") -> Upstream:
        return _fetch(location, headers={}, range_header=range_header, timeout=10)


class NoPhoneSystem(PhoneSystem):
    pass


class HttpPhoneSystem(PhoneSystem):
    configured = True

    def __init__(self, config: PhoneSettings):
        self.config = config

    def _auth(self) -> dict[str, str]:
        if self.config.auth_header_name and self.config.auth_header_value:
            return {self.config.auth_header_name: self.config.auth_header_value}
        return {}

    def originate(self, *, extension: str, number: str, call_id: str) -> str:
        values = {"extension": extension, "number": number, "call_id": call_id}
        url = self.config.originate_url.format_map(
            {key: quote(value, safe="") for key, value in values.items()}
        )
        headers = {"Accept": "application/json", **self._auth()}
        data = None
        if self.config.originate_method == PhoneSettings.Method.POST:
            data = json.dumps(values).encode()
            headers["Content-Type"] = "application/json"
        request = Request(url, data=data, headers=headers, method=self.config.originate_method)  # noqa: S310
        try:
            with urlopen(request, timeout=self.config.timeout_seconds) as response:  # noqa: S310
                body = response.read(64 * 1024)
        except HTTPError as error:
            raise PhoneSystemError(
                _("The phone system refused the call (HTTP %(status)s).") % {"status": error.code}
            ) from error
        except (URLError, OSError, ValueError) as error:
            raise PhoneSystemError(_("The phone system cannot be reached.")) from error
        return _call_id_in(body) or call_id

    def fetch_recording(self, location: str, *, range_header: str = "") -> Upstream:
        # The credentials go only to the phone system's own host.
        own_host = urlsplit(self.config.originate_url).netloc
        headers = self._auth() if urlsplit(location).netloc == own_host else {}
        return _fetch(
            location,
            headers=headers,
            range_header=range_header,
            timeout=self.config.timeout_seconds,
        )


def _call_id_in(body: bytes) -> str:
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        return ""
    if not isinstance(answer, dict):
        return ""
    for key in ("call_id", "callId", "uniqueid", "id"):
        value = answer.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:100]
    return ""


def _fetch(location: str, *, headers: dict, range_header: str, timeout: int) -> Upstream:
    if not location.startswith(("http://", "https://")):
        raise PhoneSystemError(_("The recording's address is not http(s)."))
    if range_header:
        headers = {**headers, "Range": range_header}
    try:
        response = urlopen(Request(location, headers=headers), timeout=timeout)  # noqa: S310
    except HTTPError as error:
        raise PhoneSystemError(f"HTTP {error.code}") from error
    except (URLError, OSError, ValueError) as error:
        raise PhoneSystemError(_("The phone system cannot be reached.")) from error
    kept = {}
    for name in ("Content-Type", "Content-Length", "Content-Range", "Accept-Ranges"):
        value = response.headers.get(name)
        if value:
            kept[name] = value

    def chunks() -> Iterator[bytes]:
        try:
            while block := response.read(CHUNK):
                yield block
        finally:
            response.close()

    return Upstream(status=response.status, headers=kept, chunks=chunks())


def phone_system(config: PhoneSettings | None = None) -> PhoneSystem:
    config = config or phone_settings()
    if config.configured:
        return HttpPhoneSystem(config)
    return NoPhoneSystem()


# --- originating ------------------------------------------------------------------------------


def call_originate(*, agent, lead: Lead, config: PhoneSettings | None = None) -> PhoneCall:
    """Ring the agent's extension and connect it to the lead's number.

    The `PhoneCall` is stored (and committed) before the phone system is asked, so events
    that arrive before its answer find it by our call id (`reference`). A refusal or an
    unreachable phone system marks it failed and answers a 400 on `lead`.
    """
    config = config or phone_settings()
    adapter = phone_system(config)
    extension = Member.objects.filter(user_id=agent.pk).values_list("extension", flat=True).first()
    if not extension:
        raise ValidationError(
            {"lead": _("You have no phone extension: ask an administrator to set one.")}
        )
    phone_call = PhoneCall.objects.create(
        source=config.source, agent=agent, lead=lead, extension=extension, number=lead.phone
    )
    try:
        external_id = adapter.originate(
            extension=extension, number=lead.phone, call_id=str(phone_call.reference)
        )
    except PhoneSystemError as error:
        PhoneCall.objects.filter(pk=phone_call.pk).update(
            status=PhoneCallStatus.FAILED, error=str(error)[:300]
        )
        raise ValidationError({"lead": str(error)}) from error
    # Events may have named it already; a clash (the phone system reused an id) keeps ours.
    try:
        with transaction.atomic():
            PhoneCall.objects.filter(pk=phone_call.pk, external_id="").update(
                external_id=external_id
            )
    except IntegrityError:
        pass
    phone_call.refresh_from_db()
    return phone_call


# --- receiving events -------------------------------------------------------------------------


def signature_valid(*, secret: str, body: bytes, signature: str) -> bool:
    """`signature` is `sha256=<hex>` (or the bare hex) of HMAC-SHA256(secret, body)."""
    if not secret or not signature:
        return False
    given = signature.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def sign(secret: str, body: bytes) -> str:
    """The header value a phone system sends (tests and the documentation use it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class EventOutcome:
    phone_call: PhoneCall
    duplicate: bool


def _reference(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        return None


def _find_or_create(
    *,
    source: str,
    external_id: str,
    reference: str,
    extension: str,
    number: str,
    direction: str,
    at,
) -> tuple[PhoneCall, bool]:
    """The call the event is about, its row locked for the rest of the transaction (so
    the call's events are recorded one at a time), and whether it was created now."""
    found = (
        PhoneCall.objects.select_for_update().filter(source=source, external_id=external_id).first()
    )
    if found is not None:
        return found, False
    ref = _reference(reference)
    if ref is not None:
        found = PhoneCall.objects.select_for_update().filter(reference=ref, source=source).first()
        if found is not None:
            if not found.external_id:
                found.external_id = external_id
                found.save(update_fields=["external_id"])
            return found, False
    # A call we did not originate (inbound, or dialed on the desk phone).
    e164 = normalize_or_none(number) or ""
    agent_id = (
        Member.objects.filter(extension=extension).values_list("user_id", flat=True).first()
        if extension
        else None
    )
    lead_id = Lead.objects.filter(phone=e164).values_list("pk", flat=True).first() if e164 else None
    try:
        with transaction.atomic():
            created = PhoneCall.objects.create(
                source=source,
                external_id=external_id,
                agent_id=agent_id,
                lead_id=lead_id,
                extension=extension[:20],
                number=(e164 or number)[:32],
                direction=direction,
                requested_at=at,
            )
        return created, True
    except IntegrityError:
        # The same call's first events posted at once: the other one created it.
        found = PhoneCall.objects.select_for_update().get(source=source, external_id=external_id)
        return found, False


def _status(phone_call: PhoneCall) -> str:
    if phone_call.ended_at:
        return PhoneCallStatus.ENDED
    if phone_call.answered_at:
        return PhoneCallStatus.ANSWERED
    if phone_call.ringing_at:
        return PhoneCallStatus.RINGING
    return phone_call.status


def _sync_call(phone_call: PhoneCall, *, recording: str) -> Call:
    """The `leads.Call` the rest of the CRM reads, from what the events said (a new one
    is set on `phone_call`, which the caller saves)."""
    started = phone_call.answered_at or phone_call.ringing_at or phone_call.ended_at
    outbound = phone_call.direction != Call.Direction.INBOUND
    if phone_call.call_id is None:
        call = followups.call_record(
            caller=phone_call.extension if outbound else phone_call.number,
            callee=phone_call.number if outbound else phone_call.extension,
            extension=phone_call.extension,
            started_at=started,
            duration_seconds=phone_call.talk_seconds,
            recording_url=recording,
            external_id=phone_call.external_id,
            source=phone_call.source,
            direction=Call.Direction.OUTBOUND if outbound else Call.Direction.INBOUND,
        )
        fields = {}
        if phone_call.lead_id and call.lead_id != phone_call.lead_id:
            fields["lead_id"] = phone_call.lead_id
        if phone_call.agent_id and call.agent_id != phone_call.agent_id:
            fields["agent_id"] = phone_call.agent_id
        if fields:
            Call.objects.filter(pk=call.pk).update(**fields)
        phone_call.call = call
        return call
    values = {"started_at": started, "duration_seconds": phone_call.talk_seconds}
    if recording:
        # Where the audio is: pages play it through the CRM, never from this address.
        values["recording_url"] = recording[:500]
    Call.objects.filter(pk=phone_call.call_id).update(**values)
    return phone_call.call


@transaction.atomic
def event_receive(
    *,
    source: str,
    external_id: str,
    kind: str,
    at: dt.datetime | None = None,
    reference: str = "",
    extension: str = "",
    number: str = "",
    direction: str = Call.Direction.OUTBOUND,
    recording: str = "",
    payload: dict | None = None,
) -> EventOutcome:
    """Record one phone-system event (idempotent: see the module's docstring)."""
    if kind not in CallEventKind.values:
        raise ValidationError({"event": _("Unknown event.")})
    external_id = (external_id or "").strip()[:100]
    if not external_id:
        raise ValidationError({"call_id": _("The phone system's call id is required.")})
    if direction not in Call.Direction.values:
        raise ValidationError({"direction": _("Unknown direction.")})
    now = timezone.now()
    at = at or now
    if at < followups.EARLIEST_CALL or at > now + followups.CLOCK_SKEW:
        raise ValidationError({"at": _("The event's time is not plausible.")})
    recording = (recording or "").strip()[:500]
    phone_call, created = _find_or_create(
        source=source,
        external_id=external_id,
        reference=reference,
        extension=(extension or "").strip(),
        number=(number or "").strip(),
        direction=direction,
        at=at,
    )
    # The call's row is locked (or new in this transaction): no other event of this call
    # is being recorded now, so asking first is exact and needs no savepoint.
    if not created and CallEvent.objects.filter(phone_call=phone_call, kind=kind).exists():
        return EventOutcome(phone_call=phone_call, duplicate=True)
    CallEvent.objects.create(phone_call=phone_call, kind=kind, at=at, payload=payload or {})

    time_field = {
        CallEventKind.RINGING: "ringing_at",
        CallEventKind.ANSWERED: "answered_at",
        CallEventKind.HUNG_UP: "ended_at",
    }[kind]
    setattr(phone_call, time_field, at)
    phone_call.status = _status(phone_call)
    had_call = phone_call.call_id is not None
    call = _sync_call(phone_call, recording=recording)
    # One UPDATE of the call's row: the event's time, the status and a new call link.
    phone_call.save(update_fields=[time_field, "status", *([] if had_call else ["call"])])
    if recording:
        Recording.objects.update_or_create(call=call, defaults={"location": recording})

    if phone_call.agent_id:
        agent = phone_call.agent
        if kind == CallEventKind.ANSWERED and phone_call.ended_at is None:
            change_state(agent, AgentState.ON_CALL, source=StateSource.PHONE, at=at)
        elif kind == CallEventKind.HUNG_UP and phone_call.answered_at is not None:
            change_state(agent, AgentState.WRAP_UP, source=StateSource.PHONE, at=at)
        elif kind == CallEventKind.ANSWERED and phone_call.ended_at is not None:
            # Answered arrived after the hang-up: the call is over, the agent wraps up.
            change_state(
                agent, AgentState.WRAP_UP, source=StateSource.PHONE, at=phone_call.ended_at
            )
    return EventOutcome(phone_call=phone_call, duplicate=False)
