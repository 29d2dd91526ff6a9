"""Every configuration change is audited: a model anyone can change from the settings
pages, the Django admin or the API keeps a before/after trail (`risk.audit.track`).

The test walks the three doors rather than a list kept by hand, so a model added to any
of them later fails here until it is tracked or, if it is an append-only log that is its
own record, named in `APPEND_ONLY` with the reason.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from risk import audit

#: Models editable through some door that keep no audit entry, each with why.
APPEND_ONLY = {
    # The trail itself and the other risk logs: rows are written once and never changed;
    # each row is the record of what happened.
    "risk.auditentry": "the audit trail itself",
    "risk.phonereveal": "append-only log of full-number reveals",
    "risk.exportrecord": "append-only log of downloads",
    "risk.riskevent": "append-only log of refusals and anomalies",
    "risk.retentionrun": "append-only log of the nightly purge runs",
    # Append-only histories of other records: the event is the record of the change.
    "leads.leadevent": "append-only lead status moves",
    "leads.followup": "append-only touches of a lead",
    "leads.call": "append-only call records from the phone system",
    "orders.orderevent": "append-only order moves",
    "orders.salesentry": "append-only sales ledger (confirmations and take-backs)",
    "aftersales.ticketevent": "append-only ticket moves",
    "crm.memberevent": "append-only member status changes",
    "crm.notification": "messages to one person, not configuration",
    "calling.statechange": "append-only agent state log",
    "training.trainingevent": "append-only training history",
    "privacy.requestevent": "append-only request history",
    "customers.merge": "the record of a merge (who, when, what moved); merge and undo each "
    "write their own audit entry",
    "performance.evaluationrating": "ratings of an evaluation, tracked with the evaluation",
    # Records a job or a computation writes, not anyone's setting.
    "leads.importjob": "an import's own record; the import writes one summary entry",
    "performance.scorecard": "computed figures, recomputed from the records (POST recompute)",
    # API tokens: the primary key IS the secret, so an entry would put it in the trail.
    "authtoken.token": "its primary key is the secret key",
    # Sign-in lockout bookkeeping of django-axes: written by the sign-in itself; an
    # administrator's unlock (a delete) is the only change and leaves the failure log.
    "axes.accessattempt": "sign-in lockout counters (django-axes)",
    "axes.accesslog": "append-only sign-in log (django-axes)",
    "axes.accessfailurelog": "append-only failed sign-in log (django-axes)",
}


def _admin_editable() -> set[str]:
    user = get_user_model()(username="audit-walker", is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = user
    labels = set()
    for model, model_admin in admin.site._registry.items():
        if (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        ):
            labels.add(model._meta.concrete_model._meta.label_lower)
    return labels


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


WRITE_ACTIONS = {"create", "update", "partial_update", "destroy"}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _serializer_models(serializer_class) -> set[str]:
    """The model of a ModelSerializer and of the writable ModelSerializers nested in it."""
    labels = set()
    if serializer_class is None or not issubclass(serializer_class, serializers.ModelSerializer):
        return labels
    labels.add(serializer_class.Meta.model._meta.label_lower)
    return labels


def _api_writable() -> set[str]:
    labels = set()
    for callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if view_class is None:
            continue
        actions = getattr(callback, "actions", None)
        if actions is not None:  # a viewset route: the methods it maps
            writes = {method for method, action in actions.items() if method in WRITE_METHODS}
            extra = getattr(view_class, "get_extra_actions", lambda: [])()
            if not writes and not any(set(action.mapping) & WRITE_METHODS for action in extra):
                continue
        else:
            allowed = {m for m in view_class.http_method_names if hasattr(view_class, m)}
            if not allowed & WRITE_METHODS:
                continue
        labels |= _serializer_models(getattr(view_class, "serializer_class", None))
    return labels


def _settings_forms() -> set[str]:
    from configuration import sections

    return {section.model._meta.label_lower for section in sections.all_sections() if section.form}


def test_every_model_editable_from_the_admin_is_audited(db):
    missing = sorted(_admin_editable() - set(audit.tracked_models()) - set(APPEND_ONLY))
    assert missing == [], f"editable in the admin, not audited: {missing}"


def test_every_model_written_through_the_api_is_audited(db):
    missing = sorted(_api_writable() - set(audit.tracked_models()) - set(APPEND_ONLY))
    assert missing == [], f"writable through the API, not audited: {missing}"


def test_every_model_of_the_settings_pages_is_audited():
    missing = sorted(_settings_forms() - set(audit.tracked_models()))
    assert missing == [], f"edited on a settings page, not audited: {missing}"


def test_the_allow_list_holds_only_models_that_exist_and_are_not_tracked():
    from django.apps import apps

    known = {model._meta.label_lower for model in apps.get_models()}
    assert set(APPEND_ONLY) <= known
    assert not set(APPEND_ONLY) & set(audit.tracked_models())
