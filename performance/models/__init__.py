"""Performance management (绩效管理): indicators, targets, scorecards and what follows them.

Shared contracts of this app, decided once:

* A **period** is `(period_kind, period_start)`: a month starts on day 1, a week on Monday,
  a quarter on the 1st of January, April, July or October. `performance.periods` turns
  one into half-open local-time bounds [start, end) in `Asia/Shanghai`.
* A **subject** is an agent (a user), a team or a department: exactly one of the three
  foreign keys is set, and `level` says which (a check constraint holds them together).
* An **indicator** names the computation it uses (`Indicator.source`); the sources are a
  fixed list written in SQL in `performance.metrics`, while names, families, weights and
  targets are admin data. Ratios are stored as numerator and denominator so that a team's
  conversion rate is its records' rate, not the mean of its agents' rates.
* Team and department figures follow `crm.TeamMembership` history: a record counts for
  the team its agent was in when the record was made.

The models live by concept in `scorecards` (the figures) and `people` (reviews, plans,
incentives); everything is importable from `performance.models`.
"""

from .channels import ChannelDay, ProductTarget
from .people import (
    CoachingSession,
    DevelopmentPlan,
    Evaluation,
    EvaluationRating,
    ImprovementPlan,
    Incentive,
)
from .scorecards import (
    FIGURE,
    MONEY,
    Family,
    Indicator,
    KpiWeight,
    Level,
    PeriodKind,
    QualityScore,
    Scorecard,
    ScorecardValue,
    Source,
    SubjectPeriod,
    Target,
    Unit,
)

__all__ = [
    "FIGURE",
    "MONEY",
    "ChannelDay",
    "CoachingSession",
    "DevelopmentPlan",
    "Evaluation",
    "EvaluationRating",
    "Family",
    "ImprovementPlan",
    "Incentive",
    "Indicator",
    "KpiWeight",
    "Level",
    "PeriodKind",
    "ProductTarget",
    "QualityScore",
    "Scorecard",
    "ScorecardValue",
    "Source",
    "SubjectPeriod",
    "Target",
    "Unit",
]
