"""How big the generated call center is.

One `Size` drives every generator step. Later issues add fields here (leads, follow-ups,
…); each field can be overridden from the environment as `BENCH_<FIELD>` (e.g.
`BENCH_AGENTS=2000 make bench`) without touching the code.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Any

#: The floor request's median (`bench.measure.FLOOR_REQUEST`) on the quiet 2-core machine
#: the targets were set on; a target also holds as the same multiple of a run's own floor.
QUIET_FLOOR_MS = 1.9


@dataclass(frozen=True)
class Size:
    # The org: agents (all statuses, leavers included) spread evenly over the teams, the
    # teams spread evenly over the regional divisions of one center.
    agents: int = 500
    teams: int = 40
    divisions: int = 4
    # Leads (bench/leads.py): owned by `lead_agents` active agents of the `lead_teams` teams
    # with the most active agents, plus a pool; follow-ups spread over the worked leads.
    leads: int = 1_000_000
    followups: int = 3_000_000
    lead_agents: int = 200
    lead_teams: int = 17
    # Orders (bench/orders.py) on the lead owners' leads over 12 months, and revisits
    # (bench/aftersales.py) of the delivered ones.
    orders: int = 300_000
    revisits: int = 600_000
    # Calls and quality scores (bench/kpi.py): with the follow-ups, issue 6's 10,000,000
    # follow-ups and calls over 12 months; its 1,000,000 orders and 2,000,000 revisits are
    # `BENCH_ORDERS=1000000 BENCH_REVISITS=2000000`.
    calls: int = 7_000_000
    quality_scores: int = 100_000
    # Agent state rows (bench/floor.py): this many past days of every active agent's
    # working day, plus today's.
    state_days: int = 30
    # Same seed, same data: results of two runs (or two branches) are comparable.
    seed: int = 2026

    def __post_init__(self) -> None:
        if self.divisions < 1 or self.teams < self.divisions or self.agents < self.teams:
            raise ValueError(f"need agents >= teams >= divisions >= 1, got {self}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Size:
        """The default size, with any `BENCH_<FIELD>` environment variable applied."""
        environ = dict(os.environ if environ is None else environ)
        overrides: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(f"BENCH_{field.name.upper()}")
            if raw is not None:
                overrides[field.name] = int(raw)
        return cls(**overrides)

    def pick(self, names: tuple[str, ...]) -> dict[str, Any]:
        """The subset of the size a generator step depends on (its fingerprint)."""
        return {name: getattr(self, name) for name in names}

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
