"""Calling API: the preview-dialing session, the phone system's events, recordings.

* `GET /api/calling/session/next/`: the lead the caller should call now (held for them
  alone; asking again gives the same lead until they save, skip or stop).
* `POST /api/calling/session/dial/`, `save/`, `skip/`, `stop/`: act on the held lead.
* `POST /api/calling/events/`: the phone system's webhook (signed, idempotent).
* `GET /api/calling/calls/{id}/recording/`: the call's audio, with byte ranges.
* `GET /api/calling/playbacks/`: who listened to which recording.

Every view reads its rows through `crm.api`'s scoped classes.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from crm.api import ScopedQuerysetMixin, ScopedReadOnlyViewSet, user_name
from leads import access as leads_access
from leads.models import Call, Disposition
from risk import services as risk
from risk.models import PhoneReveal
from risk.serializers import PhoneField

from .. import access
from ..models import CallEventKind, RecordingPlayback
from ..services import dialer, phone, recordings

# --- serializers ----------------------------------------------------------------------------


class PreviewLeadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="lead.pk")
    name = serializers.CharField(source="lead.name")
    phone = PhoneField(source="lead.phone")
    region = serializers.CharField(source="lead.region")
    company = serializers.CharField(source="lead.company")
    product = serializers.CharField(source="lead.product")
    grade = serializers.CharField(source="lead.grade")
    status = serializers.CharField(source="lead.status")
    next_followup_at = serializers.DateTimeField(source="lead.next_followup_at", allow_null=True)
    section = serializers.ChoiceField(
        choices=["due", "new", "pool"],
        help_text="Why it comes now: a follow-up due, a new lead, or the team's pool.",
    )
    held_until = serializers.DateTimeField(
        source="expires_at", help_text="The hold is renewed each time the caller acts on it."
    )


class NextSerializer(serializers.Serializer):
    lead = PreviewLeadSerializer(allow_null=True, help_text="null: nothing to call now.")


class LeadIdSerializer(serializers.Serializer):
    lead = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class SaveSerializer(LeadIdSerializer):
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    next_followup_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    call = serializers.UUIDField(
        required=False, allow_null=True, default=None, help_text="The `call` dial answered."
    )


class SkipSerializer(LeadIdSerializer):
    reason = serializers.CharField(max_length=200)


class DialSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["phone", "tel"])
    href = serializers.CharField(required=False, help_text="tel: link (mode tel)")
    call = serializers.UUIDField(required=False, help_text="our call id (mode phone)")


class EventSerializer(serializers.Serializer):
    call_id = serializers.CharField(max_length=100, help_text="The phone system's call id.")
    event = serializers.ChoiceField(choices=CallEventKind.choices)
    at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100,
        help_text="Our call id, as the originate request gave it ({call_id}).",
    )  # fmt: skip
    extension = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    number = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    direction = serializers.ChoiceField(
        choices=Call.Direction.choices, required=False, default=Call.Direction.OUTBOUND
    )
    recording_url = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500,
        help_text="Where the recording is (http(s) address, or a path in the center's storage).",
    )  # fmt: skip


class EventAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["recorded", "duplicate"])
    call = serializers.IntegerField(allow_null=True, help_text="The call record's id.")


class PlaybackSerializer(serializers.ModelSerializer):
    user_name = serializers.SerializerMethodField()

    class Meta:
        model = RecordingPlayback
        fields = ["id", "call", "user", "user_name", "at"]
        read_only_fields = fields

    def get_user_name(self, playback) -> str | None:
        return user_name(playback.user)


# --- the session ----------------------------------------------------------------------------


class Dials(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return access.can_dial(request.user)


def _next_answer(request) -> dict:
    preview = dialer.lead_next(agent=request.user)
    data = PreviewLeadSerializer(preview, context={"request": request}).data if preview else None
    return {"lead": data}


class SessionViewSet(ScopedQuerysetMixin, GenericViewSet):
    """The preview-dialing session of the signed-in agent (or manager)."""

    visibility = leads_access.visible_leads
    permission_classes = [permissions.IsAuthenticated, Dials]
    pagination_class = None
    filter_backends = []
    serializer_class = LeadIdSerializer

    @extend_schema(
        responses=NextSerializer,
        description="The lead to call now, in the worklist's order (follow-ups due, new "
        "leads by grade, then the team's pool), skipping leads outside their calling window, "
        "over their attempt cap, cooling off, on the do-not-call list or held by another "
        "agent. The lead is held for the caller (a lease of a few minutes, renewed by each "
        "call of this endpoint): the same lead comes back until they save, skip or stop.",
    )
    @action(detail=False, methods=["get"], url_path="next")
    def next(self, request):
        return Response(_next_answer(request))

    @extend_schema(
        request=LeadIdSerializer,
        responses=DialSerializer,
        description="Call the held lead: the phone system rings the caller's extension "
        "(mode phone, with our call id), or a tel: link when no phone system is configured "
        "(the number is revealed and logged). Refused (400 on lead) outside calling hours, "
        "over the attempt caps or for a do-not-call number.",
    )
    @action(detail=False, methods=["post"])
    def dial(self, request):
        serializer = LeadIdSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = dialer.lead_prepare_call(
            agent=request.user, lead_id=serializer.validated_data["lead"]
        )
        config = phone.phone_settings()
        if config.configured:
            phone_call = phone.call_originate(agent=request.user, lead=lead, config=config)
            return Response({"mode": "phone", "call": str(phone_call.reference)})
        number = risk.phone_reveal(
            user=request.user,
            lead=lead,
            purpose=PhoneReveal.Purpose.CLICK_TO_CALL,
            ip=risk.client_ip(request),
        )
        return Response({"mode": "tel", "href": f"tel:{number}"})

    @extend_schema(
        request=SaveSerializer,
        responses=NextSerializer,
        description="Write up the held lead (a phone follow-up with its disposition's "
        "rules, linked to the phone system's call) and get the next lead.",
    )
    @action(detail=False, methods=["post"])
    def save(self, request):
        serializer = SaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        phone_call = None
        if data.get("call"):
            phone_call = (
                access.visible_phone_calls(request.user).filter(reference=data["call"]).first()
            )
            if phone_call is None:
                raise DjangoValidationError({"call": "Unknown call."})
        dialer.lead_save(
            agent=request.user,
            lead_id=data["lead"],
            disposition=data["disposition"],
            notes=data["notes"],
            next_followup_at=data["next_followup_at"],
            phone_call=phone_call,
        )
        return Response(_next_answer(request))

    @extend_schema(
        request=SkipSerializer,
        responses=NextSerializer,
        description="Pass over the held lead with a reason (not offered again in this "
        "session) and get the next lead.",
    )
    @action(detail=False, methods=["post"])
    def skip(self, request):
        serializer = SkipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dialer.lead_skip(agent=request.user, lead_id=data["lead"], reason=data["reason"])
        return Response(_next_answer(request))

    @extend_schema(
        request=None, responses={204: None}, description="End the session; the held lead is let go."
    )
    @action(detail=False, methods=["post"])
    def stop(self, request):
        dialer.session_stop(agent=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the phone system's events -----------------------------------------------------------------


class EventViewSet(ScopedQuerysetMixin, GenericViewSet):
    """The phone system posts call events here (no user: the signature is the credential)."""

    visibility = access.visible_phone_calls
    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    # A phone system posts from one address, far more often than a person: the
    # signature, not a rate, keeps strangers out.
    throttle_classes = []
    pagination_class = None
    filter_backends = []
    serializer_class = EventSerializer

    @extend_schema(
        request=EventSerializer,
        responses={
            200: EventAnswerSerializer,
            403: OpenApiResponse(description="Missing or wrong signature (or no secret set)."),
        },
        parameters=[
            OpenApiParameter(
                phone.SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex HMAC-SHA256 of the raw body with the webhook secret>",
            )
        ],
        description="A call event from the phone system: ringing, answered or hangup (with "
        "the recording's location). Idempotent by the phone system's call id: a kind is "
        "recorded once per call, a repeat answers `duplicate`. Events fill the call record; "
        "its duration is from answered to hung up.",
        auth=[],
    )
    def create(self, request):
        body = request.body
        config = phone.phone_settings()
        if not phone.signature_valid(
            secret=config.webhook_secret,
            body=body,
            signature=request.headers.get(phone.SIGNATURE_HEADER, ""),
        ):
            raise PermissionDenied("Missing or wrong signature.")
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise serializers.ValidationError({"non_field_errors": ["Not JSON."]}) from None
        if not isinstance(payload, dict):
            raise serializers.ValidationError({"non_field_errors": ["A JSON object is expected."]})
        serializer = EventSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = phone.event_receive(
            source=config.source,
            external_id=data["call_id"],
            kind=data["event"],
            at=data["at"],
            reference=data["reference"],
            extension=data["extension"],
            number=data["number"],
            direction=data["direction"],
            recording=data["recording_url"],
            payload=payload,
        )
        return Response(
            {
                "status": "duplicate" if outcome.duplicate else "recorded",
                "call": outcome.phone_call.call_id,
            }
        )


# --- recordings --------------------------------------------------------------------------------


class AudioRenderer(BaseRenderer):
    media_type = "audio/*"
    format = "audio"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class RecordingViewSet(ScopedQuerysetMixin, GenericViewSet):
    """A call's recording, for whoever may see the call."""

    visibility = access.visible_calls
    renderer_classes = [AudioRenderer, JSONRenderer]
    pagination_class = None
    filter_backends = []

    def perform_content_negotiation(self, request, force=False):
        # Players send `Accept: */*` or audio types; anything else still gets the audio.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            (206, "audio/*"): OpenApiResponse(OpenApiTypes.BINARY, description="A byte range."),
            404: OpenApiResponse(description="No such call, not yours to hear, or no recording."),
            416: OpenApiResponse(description="A range outside the recording."),
        },
        parameters=[
            OpenApiParameter(
                "Range", OpenApiTypes.STR, OpenApiParameter.HEADER, description="bytes=0-"
            )
        ],
        description="The call's audio, streamed from the phone system or the center's storage, "
        "with byte ranges (206 and Content-Range). Each playback (a request from byte 0) is "
        "logged with who and when.",
    )
    @action(detail=True, methods=["get"])
    def recording(self, request, pk=None):
        call = self.get_object()
        range_header = request.headers.get("Range", "")
        try:
            stream = recordings.recording_open(call=call, range_header=range_header)
        except recordings.RecordingUnavailable as error:
            if error.status == 416:
                response = Response(status=416)
                response["Content-Range"] = str(error)
                return response
            if error.status == 404:
                raise NotFound("No recording.") from error
            return Response({"detail": "The recording cannot be fetched now."}, status=error.status)
        if recordings.starts_playback(range_header):
            recordings.playback_log(call=call, user=request.user, ip=risk.client_ip(request))
        response = StreamingHttpResponse(stream.chunks, status=stream.status)
        for name, value in stream.headers.items():
            response[name] = value
        response["Cache-Control"] = "private, no-store"
        return response


class PlaybackViewSet(ScopedReadOnlyViewSet):
    """Who listened to which call's recording, when (admins and inspectors: everyone's;
    managers and heads: their scope's listeners; agents: their own)."""

    visibility = access.visible_playbacks
    serializer_class = PlaybackSerializer
    ordering_fields = ["at"]
    ordering = ["-at", "-id"]
    filterset_fields = ["call", "user"]

    def refine_queryset(self, queryset):
        return queryset.select_related("user")


def register(router) -> None:
    router.register("calling/session", SessionViewSet, basename="calling-session")
    router.register("calling/events", EventViewSet, basename="calling-events")
    router.register("calling/calls", RecordingViewSet, basename="calling-call")
    router.register("calling/playbacks", PlaybackViewSet, basename="calling-playback")
