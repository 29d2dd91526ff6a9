"""The settings sections: what each page edits, who may open it, and a sentence for the
settings home. The generic pages (`configuration.views`) read this table; a section with
`url_name` is a page of its own (in this app or an app's existing page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.models import RevisitPlan, TicketSLA
from calling.models import PauseCode
from leads import access as leads_access
from leads.models import (
    CallingWindow,
    Campaign,
    ConsentNotice,
    DispositionRule,
    RoutingRule,
    ScoringRule,
)
from orders.models import DiscountLimit, Product
from performance.models import Indicator, KpiWeight
from performance.services import scorecards as scorecard_services
from training.models import PromotionLevel

from . import forms
from .access import is_settings_admin, may_open_settings


@dataclass(frozen=True)
class Section:
    key: str
    group: Any  # a lazy translation
    title: Any
    sentence: Any
    #: Who may open the section (admins everywhere, heads where it is theirs).
    allowed: Callable[[Any], bool] = is_settings_admin
    model: type[Model] | None = None
    form: type | None = None
    #: The list's columns: field names of the model (choices shown by their labels).
    columns: tuple[str, ...] = ()
    can_add: bool = True
    can_delete: bool = True
    #: A page of its own instead of the generic list (its url name).
    url_name: str = ""
    #: Extra order for the list.
    ordering: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    #: Run after each save or delete, in the same transaction.
    after_save: Callable[[Model], None] | None = None
    #: A template included above the list (previews), rendered with the view's extra context.
    extra_template: str = ""
    help: Any = ""
    tags: tuple[str, ...] = field(default_factory=tuple)

    def url(self) -> str:
        if self.url_name:
            return reverse(self.url_name)
        return reverse("configuration:list", args=[self.key])

    def rows(self) -> QuerySet:
        queryset = self.model._default_manager.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.ordering:
            queryset = queryset.order_by(*self.ordering)
        return queryset


def _recompute(_instance) -> None:
    scorecard_services.queue_current_recompute()


LEADS = _("Leads")
CALLING = _("Calling")
ORDERS = _("Orders and service")
PEOPLE = _("Performance and training")
RISK = _("Risk and privacy")

_SECTIONS = (
    Section(
        "routing",
        LEADS,
        _("Routing rules"),
        _("Which team a new lead goes to; try a lead to see the team and agent it would get."),
        model=RoutingRule,
        form=forms.RoutingRuleForm,
        columns=("order", "name", "region", "product", "channel", "grades", "team", "is_active"),
        ordering=("order", "pk"),
        select_related=("team",),
        extra_template="configuration/partials/try_lead.html",
    ),
    Section(
        "team-leads",
        LEADS,
        _("Team lead settings"),
        _(
            "How each team hands out its leads (round-robin or "
            "least loaded) and when it reclaims them."
        ),
        allowed=may_open_settings,
        url_name="configuration:team_leads",
    ),
    Section(
        "lead-policy",
        LEADS,
        _("Lead policy"),
        _("Grade thresholds, the default team, pool limits, reclaiming and attempt caps."),
        url_name="configuration:lead_policy",
    ),
    Section(
        "scoring",
        LEADS,
        _("Scoring rules"),
        _(
            "Points a lead earns from its channel, region, product, intent "
            "and budget; see how the last 30 days would grade."
        ),
        model=ScoringRule,
        form=forms.ScoringRuleForm,
        columns=("name", "kind", "value", "points", "is_active"),
        ordering=("kind", "value", "pk"),
        extra_template="configuration/partials/grade_distribution.html",
    ),
    Section(
        "dispositions",
        LEADS,
        _("Disposition rules"),
        _(
            "What a follow-up's outcome does to the lead: its "
            "status, a retry, the pool, a cool-off."
        ),
        model=DispositionRule,
        form=forms.DispositionRuleForm,
        columns=(
            "disposition",
            "set_status",
            "retry_after_minutes",
            "return_to_pool_after",
            "cooloff_days",
            "requires_next_followup",
        ),
        help=_(
            "An empty status (“leave unchanged”) keeps the lead's status as it is; an empty "
            "number turns that part off (no retry, never back to the pool, no cool-off)."
        ),
    ),
    Section(
        "campaigns",
        LEADS,
        _("Campaigns"),
        _(
            "The campaigns leads are captured for, each on one "
            "channel; the channels themselves are fixed."
        ),
        model=Campaign,
        form=forms.CampaignForm,
        columns=("name", "channel", "starts_on", "ends_on", "is_active"),
        ordering=("-is_active", "name"),
    ),
    Section(
        "consent-notices",
        LEADS,
        _("Consent notices"),
        _("The notices captures record as their data basis (PIPL), by version."),
        model=ConsentNotice,
        form=forms.ConsentNoticeForm,
        columns=("version", "basis", "channel", "is_active"),
        can_delete=False,
    ),
    Section(
        "inbound-keys",
        LEADS,
        _("Inbound API keys"),
        _("Keys web forms and ad platforms send leads with; each shown once when made."),
        allowed=leads_access.can_configure_leads,
        url_name="leads:inbound_keys",
    ),
    Section(
        "calling-windows",
        CALLING,
        _("Calling windows"),
        _("When customers may be called, by weekday, local time and region."),
        model=CallingWindow,
        form=forms.CallingWindowForm,
        columns=("name", "region", "weekdays", "start", "end", "timezone", "is_active"),
        ordering=("region", "start", "pk"),
    ),
    Section(
        "phone-system",
        CALLING,
        _("Phone system"),
        _("Click-to-call and call events: the adapter, its address and the webhook secret."),
        url_name="calling:phone_settings",
    ),
    Section(
        "do-not-call",
        CALLING,
        _("Do-not-call list"),
        _("Numbers never to be called or captured; add, import or remove them."),
        url_name="leads:dnc_list",
    ),
    Section(
        "pause-codes",
        CALLING,
        _("Pause codes"),
        _("The reasons agents pause (lunch, training, meeting) and how long each may last."),
        model=PauseCode,
        form=forms.PauseCodeForm,
        columns=("sort_order", "code", "name", "max_minutes", "active"),
        ordering=("sort_order", "name"),
        can_delete=False,
    ),
    Section(
        "products",
        ORDERS,
        _("Products"),
        _("The catalog: SKU, category, list price; deactivate a product rather than delete it."),
        model=Product,
        form=forms.ProductForm,
        columns=("sku", "name", "kind", "category", "list_price", "is_active"),
        ordering=("category", "name", "pk"),
        can_delete=False,
    ),
    Section(
        "discount-limits",
        ORDERS,
        _("Discount limits"),
        _("The largest discount each role may give before an order waits for approval."),
        model=DiscountLimit,
        form=forms.DiscountLimitForm,
        columns=("role", "max_percent"),
        ordering=("max_percent",),
    ),
    Section(
        "ticket-slas",
        ORDERS,
        _("Ticket SLAs"),
        _("How many hours a service ticket of each priority has to be resolved."),
        model=TicketSLA,
        form=forms.TicketSLAForm,
        columns=("priority", "resolve_within_hours"),
        ordering=("resolve_within_hours",),
    ),
    Section(
        "revisit-plans",
        ORDERS,
        _("Revisit plans"),
        _("The revisits scheduled after a delivery, by day and product category."),
        model=RevisitPlan,
        form=forms.RevisitPlanForm,
        columns=("name", "days_after_delivery", "product_category", "is_active"),
        ordering=("days_after_delivery", "pk"),
    ),
    Section(
        "indicators",
        PEOPLE,
        _("Indicators"),
        _(
            "The KPIs scorecards compute: names, units, which way is "
            "better; changes recompute this period."
        ),
        model=Indicator,
        form=forms.IndicatorForm,
        columns=("position", "code", "name", "family", "unit", "higher_is_better", "is_active"),
        ordering=("position", "pk"),
        can_delete=False,
        after_save=_recompute,
    ),
    Section(
        "weights",
        PEOPLE,
        _("Indicator weights"),
        _(
            "How much each indicator counts in the total score, "
            "per level (agent, team, department)."
        ),
        model=KpiWeight,
        form=forms.KpiWeightForm,
        columns=("level", "indicator", "weight"),
        ordering=("level", "indicator__position", "pk"),
        select_related=("indicator",),
        after_save=_recompute,
    ),
    Section(
        "targets",
        PEOPLE,
        _("Targets"),
        _("Each team's and agent's targets per period (managers and heads set their own teams')."),
        allowed=may_open_settings,
        url_name="performance:targets",
    ),
    Section(
        "promotion-levels",
        PEOPLE,
        _("Promotion levels"),
        _(
            "The steps of the promotion path: minimum tenure, "
            "required courses, scorecard thresholds."
        ),
        model=PromotionLevel,
        form=forms.PromotionLevelForm,
        columns=("rank", "name", "min_tenure_months"),
        ordering=("rank",),
        can_delete=False,
    ),
    Section(
        "retention",
        RISK,
        _("Retention periods"),
        _("How long each kind of personal data is kept before the nightly purge (PIPL)."),
        url_name="configuration:retention",
    ),
    Section(
        "risk-policy",
        RISK,
        _("Masking and export policy"),
        _(
            "Who sees full phone numbers, who may export and how "
            "many rows, when downloads look unusual."
        ),
        url_name="configuration:risk_policy",
    ),
)


def all_sections() -> tuple[Section, ...]:
    return _SECTIONS


def section(key: str) -> Section | None:
    return next((item for item in _SECTIONS if item.key == key), None)


def sections_for(user) -> list[Section]:
    return [item for item in _SECTIONS if item.allowed(user)]


def grouped_for(user) -> list[tuple[Any, list[Section]]]:
    groups: dict[Any, list[Section]] = {}
    for item in sections_for(user):
        groups.setdefault(item.group, []).append(item)
    return list(groups.items())
