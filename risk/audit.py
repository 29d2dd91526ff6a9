"""The audit trail: one mechanism for every tracked model.

A registry names the models (and their fields) whose changes are kept. Model signals
capture them: `pre_save` reads the row's stored values (only the tracked fields, only
the `update_fields` when given), `post_save` writes one `AuditEntry` with the fields that
changed (before/after), `post_delete` one with what was deleted. The entry is written in
the same transaction as the change, so a rolled-back change leaves no entry.

Who did it: the actor is taken from a context variable. `AuditMiddleware` puts the
request there for web and API requests (the user is read when the entry is written, so a
token-authenticated API user counts too, DRF sets it on the request); services and tasks
run as someone with `acting_as(user)`. Nobody known: the entry says so (a system job).

Bulk paths (`bulk_create`/`bulk_update` in imports and bulk assignment) send no signals
and must stay set-based: they write ONE summarising entry per job with `record_bulk`,
and the per-lead facts are in their own append-only rows (`Assignment`, `ImportRow`).

Phone numbers never enter the trail in full: E.164 numbers in values and record names
are masked, because the trail is shown on the lead's timeline to whoever may open it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Model
from django.db.models.expressions import Combinable
from django.db.models.signals import post_delete, post_save, pre_save

from crm.phones import mask

_actor: ContextVar = ContextVar("audit_actor", default=None)
_request: ContextVar = ContextVar("audit_request", default=None)

_E164 = re.compile(r"\+\d{7,15}")


@dataclass(frozen=True)
class Tracked:
    fields: tuple[str, ...]  # attnames (`owner_id`, not `owner`)
    # Child rows written in bulk (no signals of their own), kept as a snapshot in the
    # parent's entries: related name → fields, e.g. an order's lines.
    children: tuple[tuple[str, tuple[str, ...]], ...] = ()


_registry: dict[type[Model], Tracked] = {}


# --- who ----------------------------------------------------------------------------------


@contextmanager
def acting_as(user):
    """Changes made inside are recorded as made by `user` (services, tasks, commands)."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    user = _actor.get()
    if user is None:
        request = _request.get()
        user = getattr(request, "user", None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def _request_meta() -> tuple[str, str | None]:
    request = _request.get()
    if request is None:
        return "", None
    return getattr(request, "audit_request_id", ""), request.META.get("REMOTE_ADDR") or None


class AuditMiddleware:
    """Makes the request (its user, id and address) known to the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("X-Request-ID", "")
        request.audit_request_id = header[:64] if header else uuid.uuid4().hex
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


# --- what ---------------------------------------------------------------------------------


def mask_text(text: str) -> str:
    return _E164.sub(lambda match: mask(match.group(0)), text)


def _json(value):
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    return mask_text(str(value))


def track(
    model: type[Model],
    *,
    fields: Iterable[str] | None = None,
    exclude=(),
    children: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Keep the changes of `model` (all concrete fields but `exclude`, or `fields`).

    `children` names child rows that are written in bulk (`bulk_create` sends no
    signal): their snapshot is compared like a field of the parent on each save.
    """
    if model in _registry:
        return
    names = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in exclude:
            continue
        if fields is not None and field.name not in fields:
            continue
        names.append(field.attname)
    _registry[model] = Tracked(tuple(names), tuple((children or {}).items()))
    uid = f"risk.audit:{model._meta.label_lower}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid, weak=False)
    post_save.connect(_after_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid, weak=False)


def tracked_models() -> list[str]:
    return sorted(model._meta.label_lower for model in _registry)


#: What the product keeps a trail of; optional apps are registered once their models exist.
DEFAULT_TRACKED = {
    "leads.Lead": {"exclude": ("updated_at", "score_details", "reclaim_warned_at")},
    "leads.Assignment": {},
    "risk.DoNotCall": {},
    "leads.LeadPolicy": {},
    "leads.CallingWindow": {},
    "leads.DispositionRule": {},
    # The org and the accounts (the kernel and django.contrib.auth cannot import risk).
    "crm.Department": {},
    "crm.Team": {},
    "crm.Skill": {},
    "crm.Member": {"exclude": ("updated_at",)},
    "crm.HeadcountSnapshot": {},
    "auth.User": {"exclude": ("password", "last_login")},
    "auth.Group": {},
    "crm.TeamMembership": {},
    "crm.ReplicaPolicy": {"exclude": ("updated_at",)},
    "orders.Order": {
        "exclude": ("updated_at",),
        "children": {"lines": ("product_id", "quantity", "unit_price", "discount")},
    },
    "orders.OrderLine": {},
    "aftersales.ServiceTicket": {"exclude": ("updated_at",)},
    "aftersales.Revisit": {"exclude": ("updated_at",)},
    # Scorecard inputs (the KPI issue): registered here once the models exist.
    "performance.Target": {},
    "performance.QualityScore": {},
    "performance.KpiWeight": {},
    "performance.Indicator": {},
    "performance.Incentive": {},
    "risk.RiskPolicy": {},
    "risk.RetentionPolicy": {"exclude": ("updated_at",)},
}


def register_default_models() -> None:
    for label, options in DEFAULT_TRACKED.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # an app (or model) not built yet
        track(model, **options)


def _values(instance: Model, names: Iterable[str]) -> dict:
    values = {}
    for name in names:
        if name in instance.__dict__:
            value = instance.__dict__[name]
            if isinstance(value, Combinable):  # F("count") + 1: the result is in the row
                continue
            values[name] = _json(value)
    return values


def _repr(instance: Model) -> str:
    try:
        text = str(instance)
    except Exception:
        text = f"{instance._meta.verbose_name} #{instance.pk}"
    return mask_text(text)[:200]


def _children(instance: Model, tracked: Tracked) -> dict:
    if instance.pk is None:
        return {name: [] for name, _fields in tracked.children}
    return {
        name: [_json(row) for row in getattr(instance, name).order_by("pk").values(*fields)]
        for name, fields in tracked.children
    }


def stored_as_read(instance: Model) -> None:
    """Say that `instance` holds its row as stored: read under a row lock in the current
    transaction and not saved since. Its next save then takes the audit's "before" values
    from the instance instead of reading the row again (one query less on the follow-up,
    the write agents make most). Only the next save uses it."""
    tracked = _registry.get(type(instance))
    if tracked is not None and not tracked.children:
        instance._audit_stored = _values(instance, tracked.fields)


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    stored = instance.__dict__.pop("_audit_stored", None)
    if raw or instance._state.adding or instance.pk is None:
        instance._audit_before = None
        return
    tracked = _registry[sender]
    names = tracked.fields
    if update_fields is not None:
        wanted = set(update_fields)
        names = tuple(
            name for name in names if name in wanted or name.removesuffix("_id") in wanted
        )
    if stored is not None and all(name in stored for name in names):
        instance._audit_before = {name: stored[name] for name in names}
        return
    row = sender._base_manager.filter(pk=instance.pk).values(*names).first() if names else {}
    if row is None:
        instance._audit_before = None
        return
    instance._audit_before = {k: _json(v) for k, v in row.items()}
    instance._audit_before.update(_children(instance, tracked))


def _entry(**fields) -> None:
    """One `AuditEntry` with `fields`, made by the current actor in the current request."""
    from .models import AuditEntry

    actor = current_actor()
    request_id, ip = _request_meta()
    AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        request_id=request_id,
        ip=ip,
        **fields,
    )


def _write(*, action: str, instance: Model, before: dict, after: dict) -> None:
    _entry(
        action=action,
        model_label=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=_repr(instance),
        before=before,
        after=after,
    )


def _after_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    tracked = _registry[sender]
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        after = _values(instance, tracked.fields)
        after.update(_children(instance, tracked))
        _write(action="create", instance=instance, before={}, after=after)
        return
    child_names = [name for name, _fields in tracked.children]
    current = _values(instance, [name for name in before if name not in child_names])
    changed = [name for name, value in current.items() if before.get(name) != value]
    children_now = _children(instance, tracked)
    children_moved = any(before.get(name) != children_now[name] for name in child_names)
    if not changed and not children_moved:
        return
    # Bulk-written children are shown whole in every entry of the parent (their rows
    # may have been replaced before the parent's save, so a diff could miss them).
    _write(
        action="update",
        instance=instance,
        before={
            **{name: before[name] for name in changed},
            **{name: before.get(name, []) for name in child_names},
        },
        after={**{name: current[name] for name in changed}, **children_now},
    )


def _after_delete(sender, instance, **kwargs):
    names = _registry[sender].fields
    _write(action="delete", instance=instance, before=_values(instance, names), after={})


def record_bulk(*, model_label: str, object_id: str, summary: dict, description: str = "") -> None:
    """One entry for a set-based job (an import, a bulk assignment): what it did, in sum."""
    from .models import AuditEntry

    _entry(
        action=AuditEntry.Action.BULK,
        model_label=model_label,
        object_id=str(object_id)[:64],
        object_repr=mask_text(description)[:200],
        before={},
        after=_json(summary),
    )


#: Security events are entries about the user account they concern.
SECURITY_MODEL_LABEL = "auth.user"


def record_security(*, event: str, user, actor=None, detail: dict | None = None) -> None:
    """One entry for a sign-in security event about `user` (two-factor enrolment, a refused
    code, a recovery code used, a reset): `actor` when given, else the request's user."""
    from .models import AuditEntry

    request_id, ip = _request_meta()
    actor = actor if actor is not None else current_actor()
    AuditEntry.objects.create(
        actor=actor,
        actor_label=actor.get_username() if actor else "",
        request_id=request_id,
        ip=ip,
        action=AuditEntry.Action.SECURITY,
        model_label=SECURITY_MODEL_LABEL,
        object_id=str(user.pk),
        object_repr=f"{user.get_username()}: {event}"[:200],
        before={},
        after=_json({"event": event, **(detail or {})}),
    )


def record_updates(*, model_label: str, changes: Iterable[tuple[object, str, dict, dict]]) -> int:
    """One "update" entry per record a set-based write changed (an UPDATE of many rows
    sends no signal), as the signals would have written it: `(id, name, before, after)`
    each, made by the current actor, in one statement (on PostgreSQL the values travel
    as four arrays, `INSERT … SELECT FROM unnest(…)`: thousands of rows' placeholders
    cost more to build than to insert). Returns how many were written."""
    from django.db import connections, router

    from .models import AuditEntry

    actor = current_actor()
    request_id, ip = _request_meta()
    rows = [
        (str(object_id)[:64], mask_text(str(name))[:200], _json(before), _json(after))
        for object_id, name, before, after in changes
    ]
    if not rows:
        return 0
    common = {
        "at": dt.datetime.now(tz=dt.UTC),
        "actor_id": actor.pk if actor else None,
        "actor_label": actor.get_username() if actor else "",
        "action": AuditEntry.Action.UPDATE,
        "model_label": model_label,
        "request_id": request_id,
        "ip": ip,
    }
    connection = connections[router.db_for_write(AuditEntry)]
    if connection.vendor != "postgresql":
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(**common, object_id=pk, object_repr=name, before=old, after=new)
                for pk, name, old, new in rows
            ]
        )
        return len(rows)
    quote = connection.ops.quote_name
    meta = AuditEntry._meta
    fixed = list(common)
    columns = [meta.get_field(name).column for name in fixed]
    columns += [meta.get_field(name).column for name in ("object_id", "object_repr")]
    columns += [meta.get_field(name).column for name in ("before", "after")]
    sql = f"""
        INSERT INTO {quote(meta.db_table)} ({", ".join(quote(c) for c in columns)})
        SELECT %s::timestamptz, %s::bigint, %s, %s, %s, %s, %s::inet,
               v.object_id, v.object_repr, v.before, v.after
        FROM unnest(%s::text[], %s::text[], %s::jsonb[], %s::jsonb[])
            AS v(object_id, object_repr, before, after)
    """  # noqa: S608 - only quoted names from the model's meta are interpolated
    pks, names, olds, news = (list(column) for column in zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *(common[name] for name in fixed),
                pks,
                names,
                [json.dumps(value) for value in olds],
                [json.dumps(value) for value in news],
            ],
        )
    return len(rows)
