"""Querysets the ORM builds and compiles once per connection, then runs with other values.

On the hot paths (the signed-in user on every request, the lead page, the worklist, the
dialer) the ORM spent longer cloning, resolving and compiling a small query than
PostgreSQL spent running it: under `make load` a third of the web workers' time was query
building. Those queries are the same SQL each time but for a few values (a pk, a member,
a moment). `Prepared` builds such a query once with stand-in values, notes where each one
lands among the SQL parameters, and afterwards swaps the real values in, runs the SQL and
turns the rows into instances exactly as the ORM's own iterator does (`select_related`
included, with the same field converters).

The compiled form is kept per database connection object: Django's connections belong
to one thread, so threads never share a compiler, and a process compiles once per alias
and thread. What it does not support it refuses when built (`prefetch_related`, known
related objects, values that are not plain parameters), so a query cannot silently read
the wrong rows.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Stand-in values: a query is built once with these, so they must be values that no real
# argument takes and that the ORM passes through unchanged.
_STAND_IN_INT = -918_273_600
_STAND_IN_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC)


def _stand_in(kind: type, index: int) -> Any:
    if kind is int:
        return _STAND_IN_INT - index
    if kind is str:
        return f"\x00stand-in-{index}\x00"
    if kind is dt.datetime:
        return _STAND_IN_MOMENT + dt.timedelta(days=index)
    raise TypeError(f"no stand-in for {kind!r}: use int, str or datetime")


def _derived(param) -> bool:
    """Whether `param` looks computed from a stand-in (a day before it, its year, …): such
    a value would be frozen into the compiled query, so building it is refused."""
    if isinstance(param, dt.datetime):
        return param.year < 1910
    if isinstance(param, dt.date):
        return param.year < 1910
    if isinstance(param, int) and not isinstance(param, bool):
        return abs(param - _STAND_IN_INT) < 100_000
    return isinstance(param, str) and "stand-in" in param


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per SQL parameter: ("const", value) or ("arg", name, as_text).
    slots: tuple[tuple, ...]
    compiler: Any
    model: type[Model] | None  # the instances' model; None for values_list rows
    init_list: tuple[str, ...]
    model_span: tuple[int, int]
    related_populators: tuple
    annotation_col_map: dict
    trim: int | None


class Prepared:
    """A query built by `build(**arguments)` (a QuerySet), compiled once per connection.

    `arguments` names each argument and its type (int, str or datetime); `build` must only
    use them as plain filter values. Calling the prepared query with the real values
    returns a list of instances (or of tuples for `values_list()` querysets).
    """

    def __init__(self, build: Callable[..., QuerySet], **arguments: type):
        self._build = build
        self._arguments = arguments
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def queryset(self, **values) -> QuerySet:
        """The same query as an ordinary queryset (for tests and for other databases)."""
        return self._build(**values)

    def __call__(self, *, using: str | None = None, **values) -> list:
        if values.keys() != self._arguments.keys():
            raise TypeError(f"expected {sorted(self._arguments)}, got {sorted(values)}")
        probe_model = self._probe_model()
        alias = using or router.db_for_read(probe_model)
        connection = connections[alias]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(alias)
        params = [
            slot[1]
            if slot[0] == "const"
            else (str(values[slot[1]]) if slot[2] else values[slot[1]])
            for slot in compiled.slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.trim is not None:
            rows = [row[: compiled.trim] for row in rows]
        rows = compiled.compiler.results_iter(results=[rows], tuple_expected=True)
        if compiled.model is None:
            return list(rows)
        return [self._instance(compiled, alias, row) for row in rows]

    def _probe_model(self) -> type[Model]:
        model = getattr(self, "_model", None)
        if model is None:
            model = self._model = self._stand_in_queryset()[0].model
        return model

    def _stand_in_queryset(self) -> tuple[QuerySet, dict]:
        arguments = enumerate(self._arguments.items())
        stand_ins = {name: _stand_in(kind, index) for index, (name, kind) in arguments}
        return self._build(**stand_ins), stand_ins

    def _compile(self, alias: str) -> _Compiled:
        queryset, stand_ins = self._stand_in_queryset()
        if queryset._prefetch_related_lookups or queryset._known_related_objects:
            raise ValueError("a prepared query cannot prefetch or carry known related objects")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        by_text = {
            str(value): name for name, value in stand_ins.items() if not isinstance(value, str)
        }
        slots, seen = [], set()
        for param in params:
            if isinstance(param, int | str | dt.datetime) and param in by_value:
                slots.append(("arg", by_value[param], False))
                seen.add(by_value[param])
            elif isinstance(param, str) and param in by_text:
                slots.append(("arg", by_text[param], True))
                seen.add(by_text[param])
            elif _derived(param):
                raise ValueError(
                    f"a parameter ({param!r}) was computed from an argument: pass it as one"
                )
            else:
                slots.append(("const", param))
        if missing := set(stand_ins) - seen:
            raise ValueError(f"arguments {sorted(missing)} do not reach the SQL as parameters")
        model, init_list, model_span, populators, annotations = None, (), (0, 0), (), {}
        if queryset._iterable_class is ModelIterable:
            select, klass_info = compiler.select, compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            init_list = tuple(column[0].target.attname for column in select[start:end])
            model = klass_info["model"]
            model_span = (start, end)
            populators = tuple(get_related_populators(klass_info, select, alias))
            annotations = dict(compiler.annotation_col_map or {})
        return _Compiled(
            sql=sql,
            slots=tuple(slots),
            compiler=compiler,
            model=model,
            init_list=init_list,
            model_span=model_span,
            related_populators=populators,
            annotation_col_map=annotations,
            trim=compiler.col_count if compiler.has_extra_select else None,
        )

    def _instance(self, compiled: _Compiled, alias: str, row: tuple) -> Model:
        start, end = compiled.model_span
        obj = compiled.model.from_db(alias, compiled.init_list, row[start:end])
        for populator in compiled.related_populators:
            populator.populate(row, obj)
        for name, position in compiled.annotation_col_map.items():
            setattr(obj, name, row[position])
        return obj
