"""`python -m bench`: generate (or reuse) the data, measure, print, write var/bench-results.json.

Normally started by `bin/bench` (`make bench`), which creates the database and migrates
first. Needs DJANGO_SETTINGS_MODULE=crm.settings.bench.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 30)), help="timed runs"
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    parser.add_argument(
        "--only", action="append", default=[], help="measure only names containing this"
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="generate the data again even if present"
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON results file")
    parser.add_argument(
        "--http",
        action="store_true",
        help="measure the pages through gunicorn and a real socket (production settings)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "crm.settings.bench":
        print("bench: run with DJANGO_SETTINGS_MODULE=crm.settings.bench (see bin/bench)")
        return 1
    import django

    django.setup()
    from django.conf import settings

    from . import generate, measure, report
    from .config import QUIET_FLOOR_MS, Size

    try:
        size = Size.from_env()
    except ValueError as error:
        print(f"bench: {error}")
        return 1
    print(f"bench: size {size}")
    generate.generate(size, force=args.regenerate)
    counts = generate.data_counts()
    report.print_counts(counts)

    selected = [
        m
        for m in measure.MEASUREMENTS
        if not args.only or any(part in m.name for part in args.only) or m in measure.FLOORS
    ]
    measure.vacuum()  # start from clean tables whatever earlier runs left behind
    started = time.perf_counter()
    if args.http:
        from . import http

        results = http.measure_all(selected, runs=args.runs, warmup=args.warmup)
    else:
        results = [measure.run(m, runs=args.runs, warmup=args.warmup) for m in selected]
    measure.judge_by_floor(results, quiet_floor_ms=QUIET_FLOOR_MS)
    report.print_table(results, http=args.http)
    default_name = "bench-http-results.json" if args.http else "bench-results.json"
    output = args.output or settings.VAR_DIR / default_name
    report.write_json(output, size=size, counts=counts, results=results)
    print(f"Measured in {time.perf_counter() - started:.1f} s; results in {output}")

    # Errors fail the run; a time over its target is reported (FAIL in the table), not fatal.
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"bench: FAILED {r.name}: {r.path} as {r.username} answered {r.rows}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
