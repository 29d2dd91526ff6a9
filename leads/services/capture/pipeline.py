"""One capture from the entry form, the API or the inbound API, through the same steps an
import runs per chunk (`batch`): clean → screen (do-not-call) → dedup → score → write →
route. Also `lead_update`, which cleans, screens and scores an edit the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.phones import Phone

from ...models import Campaign, Channel, Lead, LeadSource
from ..routing import queue_routing
from .basis import data_basis_for
from .cleaning import LEAD_FIELDS, lead_fields_clean, lead_fill_empty, payload_of
from .dedup import capturer_rights, known_leads
from .scoring import Scorer
from .screening import DoNotCallRefused, note_refused, refuse_do_not_call
from .writing import SCORE_FIELDS, lead_insert, lead_save_filled, source_record


@dataclass
class CaptureResult:
    """What became of a capture: `created` a new lead, or recorded on the `lead` that
    already has the number. `duplicate_of` is that lead when the capturer may see it, and
    None when they may not: then all they may be told is that the customer is already
    being followed up (not which lead, nor whose)."""

    lead: Lead
    created: bool
    duplicate_of: Lead | None


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _check_channel(channel: str, campaign: Campaign | None) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel “%(value)s”.") % {"value": channel}]})
    _check_campaign(campaign)


def _check_campaign(campaign: Campaign | None) -> None:
    if campaign is not None and not isinstance(campaign, Campaign):
        raise ValidationError({"campaign": [_("Unknown campaign.")]})


def lead_capture(
    *,
    data: dict,
    channel: str,
    campaign: Campaign | None = None,
    by=None,
    import_job=None,
    assign: bool = True,
    stated_basis: Mapping[str, Any] | None = None,
) -> CaptureResult:
    """Record a lead from any channel (see `_lead_capture`); a do-not-call number is
    refused and the refusal counted for the risk dashboard.

    `stated_basis` is what the sender said of the data basis (`basis`, `notice_version`,
    `notice_text`, `consented_at`: see `basis.data_basis_for`); without it the channel's
    current notice is recorded.
    """
    try:
        return _lead_capture(
            data=data,
            channel=channel,
            campaign=campaign,
            by=by,
            import_job=import_job,
            assign=assign,
            stated_basis=stated_basis,
        )
    except DoNotCallRefused as refusal:
        note_refused(
            by=_user_or_none(by),
            channel=channel,
            phone=refusal.phone,
            detail="; ".join(refusal.messages),
        )
        raise


@transaction.atomic
def _lead_capture(
    *,
    data: dict,
    channel: str,
    campaign: Campaign | None = None,
    by=None,
    import_job=None,
    assign: bool = True,
    stated_basis: Mapping[str, Any] | None = None,
) -> CaptureResult:
    """Record a lead from any channel; a known phone is merged, never created twice.

    Raises ValidationError naming the field for an invalid number, a number on the
    do-not-call list, or a field that cannot be read.
    """
    _check_channel(channel, campaign)
    # clean
    values, errors = lead_fields_clean(data, require_phone=True)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    phone: Phone = values.pop("phone")
    # screen
    refuse_do_not_call(phone.e164)
    user = _user_or_none(by)
    basis = data_basis_for(channel=channel, **(stated_basis or {}))
    source = LeadSource(
        channel=channel,
        campaign=campaign,
        import_job=import_job,
        payload=payload_of(data),
        created_by=user,
        basis=basis.basis,
        notice=basis.notice,
        consented_at=basis.consented_at,
    )
    # dedup
    existing = known_leads({phone.e164}, lock=True).get(phone.e164)
    if existing is None:
        lead = Lead(
            phone=phone.e164,
            is_mobile=phone.is_mobile,
            channel=channel,
            campaign=campaign,
            created_by=user,
            **values,
        )
        # score, write, route
        Scorer.load().apply(lead)
        if lead_insert(lead):
            source_record(source, lead=lead, is_duplicate=False)
            if assign:
                queue_routing(lead_ids=[lead.pk])
            return CaptureResult(lead=lead, created=True, duplicate_of=None)
        # Someone captured the same phone a moment ago: merge into theirs.
        existing = known_leads({phone.e164}, lock=True)[phone.e164]
    rights = capturer_rights(user, [existing])
    if existing.pk in rights.editable:
        changed = lead_fill_empty(existing, values)
        if changed:
            Scorer.load().apply(existing)
            lead_save_filled(existing, changed)
    source_record(source, lead=existing, is_duplicate=True)
    seen = existing if existing.pk in rights.visible else None
    return CaptureResult(lead=existing, created=False, duplicate_of=seen)


#: What `lead_update` may change; owner and status move through their own services.
EDITABLE_FIELDS = (*LEAD_FIELDS, "campaign")


@transaction.atomic
def lead_update(*, lead: Lead, by=None, **fields) -> Lead:
    """Edit the customer's details, then rescore. A phone already used by another lead,
    or on the do-not-call list, is an error on `phone`."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_update cannot change {', '.join(sorted(unknown))}")
    campaign = fields.pop("campaign", lead.campaign)
    _check_campaign(campaign)
    values, errors = lead_fields_clean(fields, require_phone=False)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    changed: list[str] = []
    phone: Phone | None = values.pop("phone", None)
    if phone is not None and phone.e164 != lead.phone:
        other = Lead.objects.filter(phone=phone.e164).exclude(pk=lead.pk).first()
        if other is not None:
            # Which lead, only to whoever may see it.
            if other.pk in capturer_rights(_user_or_none(by), [other]).visible:
                message = _("This number already belongs to lead #%(id)d.") % {"id": other.pk}
            else:
                message = _("This number already belongs to another lead.")
            raise ValidationError({"phone": [message]})
        refuse_do_not_call(phone.e164)
        lead.phone, lead.is_mobile = phone.e164, phone.is_mobile
        changed += ["phone", "is_mobile"]
    for field, value in values.items():
        if getattr(lead, field) != value:
            setattr(lead, field, value)
            changed.append(field)
    if campaign != lead.campaign:
        lead.campaign = campaign
        changed.append("campaign")
    if not changed:
        return lead
    Scorer.load().apply(lead)
    try:
        with transaction.atomic():
            lead.save(update_fields=[*changed, *SCORE_FIELDS, "updated_at"])
    except IntegrityError as error:
        raise ValidationError(
            {"phone": [_("This number already belongs to another lead.")]}
        ) from error
    return lead
