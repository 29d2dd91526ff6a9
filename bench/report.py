"""Print the results as a table and keep them as JSON (var/bench-results.json).

The JSON holds everything the table shows plus the size and versions, so two runs (two
branches, before and after a fix) can be compared with any JSON tool.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
from pathlib import Path

import django
from django.db import connection

from .config import Size
from .measure import BUFFER_BUDGET, FLOOR_REQUEST, Result

HEADERS = (
    "measurement", "median ms", "× floor", "p95 ms", "SQL ms", "queries", "buffers", "target",
    "", "rows / notes",
)  # fmt: skip


def print_counts(counts: dict[str, int]) -> None:
    labels = {key: "  " + key.split(".", 1)[1] if "." in key else key for key in counts}
    width = max(len(label) for label in labels.values())
    print("\nData")
    for key, n in counts.items():
        print(f"  {labels[key].replace('_', ' '):<{width}}  {n:>12,}")


def print_table(results: list[Result], *, http: bool = False) -> None:
    floor = next((r.median_ms for r in results if r.name == FLOOR_REQUEST), math.nan)
    rows = [
        (
            r.name,
            _ms(r.median_ms),
            _times(r.median_ms / floor) if floor and not math.isnan(floor) else "—",
            _ms(r.p95_ms),
            _ms(r.sql_median_ms),
            str(r.queries) if r.queries == r.queries_max else f"{r.queries}-{r.queries_max}",
            "" if r.buffers is None else f"{r.buffers:,}",
            r.target,
            r.verdict,
            r.rows,
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [HEADERS, *rows]) for i in range(len(HEADERS))]
    # Names and notes align left, numbers right.
    aligns = ["<", ">", ">", ">", ">", ">", ">", "<", "<", "<"]

    def line(cells) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, aligns, widths, strict=True))

    print()
    print(line(HEADERS))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    runs = {r.runs for r in results if r.ok and r.path != "job" and r.verdict != "SKIP"}
    how = (
        "Time over HTTP (gunicorn, 2 sync workers, production settings; a new connection"
        " per request, first byte sent to last byte read)"
        if http
        else "Server time in-process (django.test.Client)"
    )
    print(
        f"\n{how}, {'/'.join(map(str, sorted(runs)))}"
        " runs after 3 warm-ups; SQL ms is the time spent in queries. Jobs run once, in a"
        " transaction rolled back afterwards. × floor: the median as a multiple of the"
        f" signed-in floor request's; buffers: the most any one query read (budget"
        f" {BUFFER_BUDGET:,}); PASS ×: over the time but within the target's multiple of"
        " the quiet machine's floor."
    )
    missed = [r.name for r in results if r.verdict == "FAIL"]
    if missed:
        print(f"Targets missed ({len(missed)}): {', '.join(missed)}")


def write_json(path: Path, *, size: Size, counts: dict[str, int], results: list[Result]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    payload = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": postgres,
        },
        "size": size.as_dict(),
        "data": counts,
        "results": [_finite(r.as_dict()) for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _times(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}×"


def _ms(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def _finite(row: dict) -> dict:
    """JSON has no NaN: a failed measurement's timings become null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
