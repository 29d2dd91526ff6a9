"""The settings pages: the home listing every section, the generic list and form pages of
the sections in `configuration.sections`, the two center-wide policies (one row each),
the teams' lead settings, and the previews (where a lead would go; how the last 30 days
would grade). Views parse and render; `configuration.services` saves, the previews are
`leads.services` reads that write nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm import retention
from crm.views import allowed_if, apply_service_errors, staff_required
from leads.models import Lead, LeadPolicy, ScoringRule, TeamLeadSettings
from leads.services.capture.scoring import grade_distribution
from leads.services.distribution import route_preview
from risk import services as risk_services
from risk.audit import acting_as
from risk.models import RiskPolicy

from . import access, services
from .forms import (
    LeadPolicyForm,
    RetentionForm,
    RiskPolicyForm,
    TeamLeadSettingsForm,
    TryLeadForm,
)
from .sections import Section, grouped_for, section, sections_for

app_name = "configuration"

#: The period the scoring preview grades again.
PREVIEW_DAYS = 30


def _render(request, template: str, active: str, context: dict):
    return render(
        request,
        template,
        {"settings_sections": grouped_for(request.user), "active_section": active, **context},
    )


def _section_or_404(request, key: str) -> Section:
    item = section(key)
    if item is None or item.model is None:
        raise Http404
    if not item.allowed(request.user):
        raise PermissionDenied
    return item


# --- home ---------------------------------------------------------------------------------


@allowed_if(access.may_open_settings)
def home(request):
    """Every section the user may open, grouped, with a sentence each."""
    return _render(
        request, "configuration/home.html", "", {"count": len(sections_for(request.user))}
    )


# --- previews -------------------------------------------------------------------------------


def _try_lead(request) -> dict:
    """The "try a lead" form and, when filled in, where that lead would go now."""
    if "try" not in request.GET:
        return {"try_form": TryLeadForm(initial={"channel": "web_form", "grade": "B"})}
    form = TryLeadForm(request.GET)
    if not form.is_valid():
        return {"try_form": form}
    lead = Lead(**form.cleaned_data)
    return {"try_form": form, "preview": route_preview(lead)}


def _distribution(rules) -> dict:
    policy = LeadPolicy.objects.filter(pk=1).first() or LeadPolicy()
    since = timezone.now() - dt.timedelta(days=PREVIEW_DAYS)
    return {
        "distribution": grade_distribution(rules=rules, policy=policy, since=since),
        "preview_days": PREVIEW_DAYS,
    }


def _extra(item: Section, request) -> dict:
    if item.key == "routing":
        return _try_lead(request)
    if item.key == "scoring":
        return _distribution(ScoringRule.objects.filter(is_active=True))
    return {}


# --- the generic pages ----------------------------------------------------------------------


@staff_required
def section_list(request, key: str):
    item = _section_or_404(request, key)
    return _render(
        request,
        "configuration/list.html",
        item.key,
        {"section": item, "rows": item.rows(), **_extra(item, request)},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def section_edit(request, key: str, pk: int | None = None):
    item = _section_or_404(request, key)
    instance = get_object_or_404(item.model, pk=pk) if pk is not None else None
    if instance is None and not item.can_add:
        raise Http404
    form = item.form(request.POST or None, instance=instance)
    extra: dict = {}
    if request.method == "POST" and form.is_valid():
        if item.key == "scoring" and "preview" in request.POST:
            # How the last 30 days would grade with this change, before saving it.
            proposed = form.save(commit=False)
            rules = [
                rule
                for rule in ScoringRule.objects.filter(is_active=True)
                if rule.pk != proposed.pk
            ]
            extra = _distribution([*rules, proposed])
        else:
            try:
                services.setting_save(form=form, by=request.user, after_save=item.after_save)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Saved. The change applies within seconds."))
                return redirect("configuration:list", key=item.key)
    return _render(
        request,
        "configuration/form.html",
        item.key,
        {"section": item, "form": form, "instance": instance, **extra},
    )


@staff_required
@require_POST
def section_delete(request, key: str, pk: int):
    item = _section_or_404(request, key)
    if not item.can_delete:
        raise Http404
    instance = get_object_or_404(item.model, pk=pk)
    try:
        services.setting_delete(instance=instance, by=request.user, after_save=item.after_save)
    except ProtectedError:
        messages.error(
            request, _("%(name)s is still in use and cannot be deleted.") % {"name": instance}
        )
    else:
        messages.success(request, _("Deleted %(name)s.") % {"name": instance})
    return redirect("configuration:list", key=item.key)


# --- one row each: the lead policy and the risk policy --------------------------------------


def _policy_page(request, *, active: str, title: str, form_class, instance):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.setting_save(form=form, by=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved. The change applies within seconds."))
            return redirect(request.path)
    return _render(request, "configuration/policy.html", active, {"form": form, "title": title})


@allowed_if(access.is_settings_admin)
@require_http_methods(["GET", "POST"])
def lead_policy(request):
    return _policy_page(
        request,
        active="lead-policy",
        title=_("Lead policy"),
        form_class=LeadPolicyForm,
        instance=LeadPolicy.current(),
    )


@allowed_if(access.is_settings_admin)
@require_http_methods(["GET", "POST"])
def risk_policy(request):
    instance = RiskPolicy.objects.filter(pk=1).first() or RiskPolicy(pk=1)
    return _policy_page(
        request,
        active="risk-policy",
        title=_("Masking and export policy"),
        form_class=RiskPolicyForm,
        instance=instance,
    )


# --- each team's lead settings (admins; heads for their teams) ------------------------------


@allowed_if(access.may_set_team_leads)
def team_leads(request):
    teams = list(access.teams_to_set(request.user).select_related("lead_settings"))
    policy = LeadPolicy.objects.filter(pk=1).first() or LeadPolicy()
    rows = []
    for team in teams:
        settings_ = getattr(team, "lead_settings", None) or TeamLeadSettings(team=team)
        rows.append((team, settings_))
    return _render(
        request, "configuration/team_leads.html", "team-leads", {"rows": rows, "policy": policy}
    )


@allowed_if(access.may_set_team_leads)
@require_http_methods(["GET", "POST"])
def team_leads_edit(request, team_id: int):
    team = get_object_or_404(access.teams_to_set(request.user), pk=team_id)
    instance = TeamLeadSettings.objects.filter(team=team).first() or TeamLeadSettings(team=team)
    form = TeamLeadSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.setting_save(form=form, by=request.user)
        messages.success(request, _("Saved. The change applies within seconds."))
        return redirect("configuration:team_leads")
    return _render(
        request,
        "configuration/policy.html",
        "team-leads",
        {"form": form, "title": _("Lead settings of %(team)s") % {"team": team}},
    )


# --- retention periods (risk) ---------------------------------------------------------------


@allowed_if(access.is_settings_admin)
def retention_list(request):
    """Every kind of personal data with its period (its built-in one until set)."""
    periods = risk_services.retention_periods()
    rows = [(kind, *periods[code]) for code, kind in retention.kinds().items() if code in periods]
    return _render(request, "configuration/retention.html", "retention", {"rows": rows})


@allowed_if(access.is_settings_admin)
@require_http_methods(["GET", "POST"])
def retention_edit(request, kind: str):
    found = retention.kinds().get(kind)
    if found is None:
        raise Http404
    days, enabled = risk_services.retention_periods()[kind]
    form = RetentionForm(request.POST or None, initial={"days": days, "enabled": enabled})
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                risk_services.retention_policy_set(kind=kind, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved. The change applies within seconds."))
            return redirect("configuration:retention")
    return _render(
        request,
        "configuration/policy.html",
        "retention",
        {"form": form, "title": found.label, "help": found.help_text},
    )


urlpatterns = [
    path("", home, name="home"),
    path("lead-policy/", lead_policy, name="lead_policy"),
    path("risk-policy/", risk_policy, name="risk_policy"),
    path("team-leads/", team_leads, name="team_leads"),
    path("retention/", retention_list, name="retention"),
    path("retention/<str:kind>/", retention_edit, name="retention_edit"),
    path("team-leads/<int:team_id>/", team_leads_edit, name="team_leads_edit"),
    path("<slug:key>/", section_list, name="list"),
    path("<slug:key>/new/", section_edit, name="create"),
    path("<slug:key>/<int:pk>/", section_edit, name="edit"),
    path("<slug:key>/<int:pk>/delete/", section_delete, name="delete"),
]
