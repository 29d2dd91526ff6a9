"""Scoring (线索筛选), the step after dedup: the active rules give each lead points, the
policy's thresholds a grade (A–D). One `Scorer` is loaded per capture or per import run
and applied to every lead it writes, so a lead scores the same whichever door it came in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Case, CharField, Count, IntegerField, Q, Value, When
from django.db.models.functions import Greatest, Least

from ...models import Channel, Grade, Intent, Lead, LeadPolicy, ScoringRule
from .cleaning import is_empty

#: Fields a `has_field` rule may name.
SCORABLE_FIELDS = ("name", "company", "region", "email", "wechat", "product", "budget", "timeline")

#: The scoring model a new center starts with. Rule names are the center's own data (shown
#: on each lead's score breakdown and edited by admins), so they start in the language
#: the product ships by default, Simplified Chinese.
DEFAULT_SCORING_RULES = (
    # Where it came from: people who reached out are warmer than a bought list.
    ("转介绍", ScoringRule.Kind.CHANNEL, Channel.REFERRAL, 25),
    ("来电咨询", ScoringRule.Kind.CHANNEL, Channel.INBOUND_CALL, 25),
    ("网页表单", ScoringRule.Kind.CHANNEL, Channel.WEB_FORM, 15),
    ("广告投放", ScoringRule.Kind.CHANNEL, Channel.ADVERTISING, 10),
    ("社交媒体", ScoringRule.Kind.CHANNEL, Channel.SOCIAL, 10),
    ("市场调研名单", ScoringRule.Kind.CHANNEL, Channel.MARKET_LIST, -5),
    # How complete the record is.
    ("有姓名", ScoringRule.Kind.HAS_FIELD, "name", 5),
    ("有公司", ScoringRule.Kind.HAS_FIELD, "company", 10),
    ("有地区", ScoringRule.Kind.HAS_FIELD, "region", 5),
    ("有邮箱", ScoringRule.Kind.HAS_FIELD, "email", 5),
    ("有微信", ScoringRule.Kind.HAS_FIELD, "wechat", 5),
    ("有意向产品", ScoringRule.Kind.HAS_FIELD, "product", 10),
    ("有预计购买时间", ScoringRule.Kind.HAS_FIELD, "timeline", 5),
    # What the customer said.
    ("意向高", ScoringRule.Kind.INTENT, Intent.HIGH, 30),
    ("意向中", ScoringRule.Kind.INTENT, Intent.MEDIUM, 15),
    ("意向低", ScoringRule.Kind.INTENT, Intent.LOW, -10),
    ("预算 1 万以上", ScoringRule.Kind.BUDGET_AT_LEAST, "10000", 10),
    ("预算 10 万以上", ScoringRule.Kind.BUDGET_AT_LEAST, "100000", 15),
)


_SCORE_MEMO_SIZE = 10_000
_EMPTY = (None, "")  # `is_empty()` for the fields a has-field rule may name


class Scorer:
    """The active rules and grade thresholds, loaded once and applied to many leads.

    Rules are sorted by kind into lookups when loaded, so scoring a lead costs a few dict
    lookups rather than a pass over every rule (it runs once per row of an import).
    """

    def __init__(self, rules: Iterable[ScoringRule], policy: LeadPolicy):
        self.rules = tuple(rule for rule in rules if rule.is_active)
        self.policy = policy
        self._exact: dict[str, dict[str, list[ScoringRule]]] = {
            "channel": {},
            "intent": {},
            "product": {},
        }
        self._has_field: list[ScoringRule] = []
        self._region: list[tuple[str, ScoringRule]] = []
        self._budget: list[tuple[Decimal, ScoringRule]] = []
        for rule in self.rules:
            value = rule.value.strip()
            if rule.kind in (ScoringRule.Kind.CHANNEL, ScoringRule.Kind.INTENT):
                self._exact[rule.kind].setdefault(value, []).append(rule)
            elif rule.kind == ScoringRule.Kind.PRODUCT and value:
                self._exact["product"].setdefault(value.casefold(), []).append(rule)
            elif rule.kind == ScoringRule.Kind.REGION and value:
                self._region.append((value.casefold(), rule))
            elif rule.kind == ScoringRule.Kind.HAS_FIELD and value in SCORABLE_FIELDS:
                self._has_field.append(rule)
            elif rule.kind == ScoringRule.Kind.BUDGET_AT_LEAST:
                try:
                    threshold = Decimal(value)
                except InvalidOperation:
                    continue  # a rule with a bad number never matches rather than break capture
                if threshold.is_finite():  # "NaN" parses, but cannot be compared with
                    self._budget.append((threshold, rule))
        # What `matching()` reads of a lead, for `apply_shared()`'s memo.
        self._key_fields = tuple(sorted({rule.value.strip() for rule in self._has_field}))
        self._memo: dict[tuple, tuple[int, str, list[dict]]] = {}

    @classmethod
    def load(cls, *, rules: Iterable[ScoringRule] | None = None, policy=None) -> Scorer:
        if rules is None:
            rules = ScoringRule.objects.filter(is_active=True).order_by("kind", "value", "pk")
        return cls(rules, policy or LeadPolicy.current())

    def matching(self, lead) -> list[ScoringRule]:
        """The rules a lead (or anything with a lead's attributes) earns points from."""
        matched = list(self._exact["channel"].get(lead.channel, ()))
        matched += self._exact["intent"].get(lead.intent, ())
        if lead.product:
            matched += self._exact["product"].get(lead.product.casefold(), ())
        if self._region and lead.region:
            region = lead.region.casefold()
            matched += [rule for value, rule in self._region if value in region]
        if lead.budget is not None:
            budget = Decimal(lead.budget)
            matched += [rule for threshold, rule in self._budget if budget >= threshold]
        matched += [rule for rule in self._has_field if not is_empty(lead, rule.value.strip())]
        return matched

    def score(self, lead) -> tuple[int, str, list[dict]]:
        matched = self.matching(lead)
        total = max(-1000, min(1000, sum(rule.points for rule in matched)))
        details = [
            {"rule": rule.name, "kind": rule.kind, "points": rule.points} for rule in matched
        ]
        return total, self.policy.grade_for(total), details

    def apply(self, lead) -> None:
        lead.score, lead.grade, lead.score_details = self.score(lead)

    def _key(self, lead) -> tuple:
        """Everything `matching()` reads of a lead: leads with equal keys score the same."""
        return (
            lead.channel,
            lead.intent,
            lead.product.casefold() if self._exact["product"] and lead.product else None,
            lead.region.casefold() if self._region and lead.region else None,
            lead.budget if self._budget else None,
            *[getattr(lead, name) in _EMPTY for name in self._key_fields],
        )

    def apply_shared(self, lead) -> None:
        """`apply()` for bulk work (imports score a lead per row): leads the rules cannot
        tell apart share one result, so the score details are one list for all of them,
        never to be changed in place. The memo is bounded."""
        key = self._key(lead)
        result = self._memo.get(key)
        if result is None:
            if len(self._memo) >= _SCORE_MEMO_SIZE:
                self._memo.clear()
            result = self._memo[key] = self.score(lead)
        lead.score, lead.grade, lead.score_details = result


def lead_score(lead: Lead, *, rules=None, policy=None) -> tuple[int, str, list[dict]]:
    """(score, grade, details) of a lead under the active rules (or the ones given);
    details are [{"rule": name, "kind": kind, "points": n}] for the rules that matched."""
    return Scorer.load(rules=rules, policy=policy).score(lead)


@transaction.atomic
def lead_rescore(*, lead: Lead) -> Lead:
    """Score the lead again (after it changed, or after the rules did)."""
    Scorer.load().apply(lead)
    lead.save(update_fields=["score", "grade", "score_details", "updated_at"])
    return lead


@transaction.atomic
def scoring_rules_install_defaults() -> int:
    """Install the default scoring model when there is none yet; return how many rules."""
    if ScoringRule.objects.exists():
        return 0
    rules = ScoringRule.objects.bulk_create(
        ScoringRule(name=name, kind=kind, value=value, points=points)
        for name, kind, value, points in DEFAULT_SCORING_RULES
    )
    return len(rules)


# --- the rules in SQL: how the leads of a period would grade ------------------------------


def _rule_condition(rule: ScoringRule) -> Q | None:
    """The SQL twin of `Scorer.matching` for one rule (None: the rule never matches)."""
    value = rule.value.strip()
    if rule.kind == ScoringRule.Kind.CHANNEL:
        return Q(channel=value)
    if rule.kind == ScoringRule.Kind.INTENT:
        return Q(intent=value)
    if rule.kind == ScoringRule.Kind.PRODUCT:
        return Q(product__iexact=value) if value else None
    if rule.kind == ScoringRule.Kind.REGION:
        return Q(region__icontains=value) if value else None
    if rule.kind == ScoringRule.Kind.BUDGET_AT_LEAST:
        try:
            threshold = Decimal(value)
        except InvalidOperation:
            return None
        return Q(budget__gte=threshold) if threshold.is_finite() else None
    if rule.kind == ScoringRule.Kind.HAS_FIELD and value in SCORABLE_FIELDS:
        if value == "budget":
            return Q(budget__isnull=False)
        return ~Q(**{value: ""}) & Q(**{f"{value}__isnull": False})
    return None


def score_expression(rules: Iterable[ScoringRule]):
    """A lead's score under `rules` as one SQL expression (a sum of CASEs, kept in range)."""
    parts = []
    for rule in rules:
        if not rule.is_active:
            continue
        condition = _rule_condition(rule)
        if condition is not None:
            parts.append(Case(When(condition, then=Value(rule.points)), default=Value(0)))
    total = sum(parts[1:], parts[0]) if parts else Value(0)
    return Greatest(Value(-1000), Least(Value(1000), total), output_field=IntegerField())


def grade_expression(rules: Iterable[ScoringRule], policy: LeadPolicy):
    score = score_expression(rules)
    return Case(
        When(Q(rescored__gte=policy.grade_a_from), then=Value(Grade.A)),
        When(Q(rescored__gte=policy.grade_b_from), then=Value(Grade.B)),
        When(Q(rescored__gte=policy.grade_c_from), then=Value(Grade.C)),
        default=Value(Grade.D),
        output_field=CharField(),
    ), score


@dataclass(frozen=True)
class GradeDistribution:
    """How many leads of a period hold each grade now, and would under the rules given."""

    since: dt.datetime
    total: int
    now: dict[str, int]
    under_rules: dict[str, int]
    #: (grade now, grade under the rules) → leads, for the leads whose grade would change.
    moves: dict[tuple[str, str], int]

    @property
    def rows(self) -> list[tuple[str, int, int, int]]:
        """(grade, now, under the rules, difference) for each grade, A to D."""
        return [
            (
                grade,
                self.now[grade],
                self.under_rules[grade],
                self.under_rules[grade] - self.now[grade],
            )
            for grade in Grade.values
        ]

    @property
    def changed(self) -> int:
        return sum(self.moves.values())


def grade_distribution(
    *, rules: Iterable[ScoringRule], policy: LeadPolicy, since: dt.datetime
) -> GradeDistribution:
    """The grades of the leads captured since `since`, as stored and as `rules` would give
    them: one grouped query (at most 16 rows), the rules evaluated by the database."""
    grade, score = grade_expression(list(rules), policy)
    rows = (
        Lead.objects.filter(created_at__gte=since)
        .order_by()
        .alias(rescored=score)
        .annotate(new_grade=grade)
        .values("grade", "new_grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "new_grade", "n")
    )
    now = dict.fromkeys(Grade.values, 0)
    under = dict.fromkeys(Grade.values, 0)
    moves: dict[tuple[str, str], int] = {}
    total = 0
    for old, new, count in rows:
        total += count
        now[old] = now.get(old, 0) + count
        under[new] = under.get(new, 0) + count
        if old != new:
            moves[(old, new)] = count
    return GradeDistribution(since, total, now, under, moves)
