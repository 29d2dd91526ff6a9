"""Exports (CSV and Excel): the one way any page turns rows into a downloaded file.

Every export in the product goes through `export_response`, so the rules for exports
(who may export, how many rows, what is logged) hold in one place. Rows are produced by
the caller from querysets already scoped by the apps' access rules; phone numbers in them
are masked by the caller unless the user may see full numbers.

The rules themselves are the risk app's (its policy and export log): it registers an
`ExportPolicy` here when it starts (`RiskConfig.ready`), so the kernel names no business
app. Without one, exports are refused as misconfigured rather than let through unlogged.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

FORMATS = [("csv", "CSV"), ("xlsx", "Excel")]
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ExportPolicy:
    """The export rules, kept by the app that registers them (risk)."""

    #: (user, kind) -> may this user download this kind of rows?
    allowed: Callable[[Any, str], bool]
    #: () -> the cap on one export's rows (0 or None: `MAX_ROWS`).
    limit: Callable[[], int | None]
    #: (request=, kind=, query=, fmt=) -> a record of the export, handed back to `finished`.
    opened: Callable[..., Any]
    #: (record=, row_count=, truncated=) once the last row is written.
    finished: Callable[..., None]


_policy: ExportPolicy | None = None


def register_policy(policy: ExportPolicy) -> None:
    """Install the export rules (called once, from the risk app's `ready()`)."""
    global _policy
    _policy = policy


def policy() -> ExportPolicy:
    if _policy is None:
        raise ImproperlyConfigured("No export policy registered (the risk app registers it).")
    return _policy


def max_rows() -> int:
    """The cap on one export's rows (the policy's, never above `MAX_ROWS`)."""
    return min(policy().limit() or MAX_ROWS, MAX_ROWS)


def chosen_format(value: str | None) -> str:
    return value if value in dict(FORMATS) else "csv"


class _Echo:
    def write(self, value):
        return value


def export_response(
    *,
    request,
    kind: str,
    stem: str,
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    fmt: str,
) -> HttpResponse:
    """A download of `header` + `rows` as `<stem>-<local time>.csv|xlsx`.

    `kind` names what is exported ("leads", "orders", ...) for the export rules and log.

    The export rules hold here for every app: the registered policy must allow the user
    to export (else 403), at most `max_rows()` rows are written (the record says when the
    file was cut), and every export is logged by the policy (the risk app's export log:
    who, what, the filters, how many rows, when).

    CSV is streamed (constant memory); Excel is built in write-only mode. Cells starting
    with = + - @ are prefixed with a quote so a spreadsheet never runs them as formulas.
    """
    rules = policy()
    if not rules.allowed(request.user, kind):
        raise PermissionDenied
    fmt = chosen_format(fmt)
    query = {key: request.GET.getlist(key) for key in request.GET if key != "format"}
    record = rules.opened(request=request, kind=kind, query=query, fmt=fmt)
    header = [str(title) for title in header]
    rows = _in_language(
        _capped(rows, limit=max_rows(), record=record, finished=rules.finished),
        translation.get_language(),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(sheet_title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_harmless(value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
        return response
    writer = csv.writer(_Echo())

    def stream():
        # A byte-order mark so Excel opens the UTF-8 (Chinese) text correctly.
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_harmless(value) for value in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.csv"'
    return response


def _capped(
    rows: Iterable[Sequence], *, limit: int, record, finished: Callable[..., None]
) -> Iterable[Sequence]:
    """The first `limit` rows; the export record learns how many were written."""
    written = 0
    truncated = False
    for row in rows:
        if written >= limit:
            truncated = True
            break
        written += 1
        yield row
    finished(record=record, row_count=written, truncated=truncated)


def _in_language(rows: Iterable[Sequence], language: str | None) -> Iterable[list]:
    """The rows made in the requesting user's language, lazy labels resolved.

    A CSV is written while the response streams, after the view has returned; each row is
    made with the request's language active so labels (`get_status_display()`, "yes")
    come out in it.
    """
    iterator = iter(rows)
    while True:
        with translation.override(language):
            row = next(iterator, None)
            if row is None:
                return
            row = [str(value) if isinstance(value, Promise) else value for value in row]
        yield row


def _harmless(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


# --- what was exported, in words (the export log) -------------------------------------------


@dataclass(frozen=True)
class ExportKind:
    """How the export log names one kind of export and reads its stored filters."""

    label: str
    fields: Mapping[str, forms.Field]


_KINDS: dict[str, ExportKind] = {}


def register_kind(kind: str, *, label: str, fields: Mapping[str, forms.Field]) -> None:
    """Each app names its export kinds (in its `AppConfig.ready`) with the form fields of
    the filters it stores, so the log can show `状态 = 新线索` instead of `status=new`."""
    _KINDS[kind] = ExportKind(label=label, fields=dict(fields))


def kind_choices() -> list[tuple[str, str]]:
    """The registered export kinds as (kind, label) choices, for the export log's filter."""
    return [(kind, known.label) for kind, known in _KINDS.items()]


def kind_label(kind: str) -> str:
    known = _KINDS.get(kind)
    return str(known.label) if known else kind


def describe_filters(records: Iterable) -> None:
    """Give each export record `kind_label` and `filter_words` ([(label, value), ...]).

    Values of choice fields become their labels, and records chosen from a list (a team,
    an agent) their names, looked up in one query per model for the whole page.
    """
    records = list(records)
    wanted: dict[type, set[int]] = defaultdict(set)
    for record in records:
        fields = _fields_of(record.kind)
        for key, values in (record.query or {}).items():
            field = fields.get(key)
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                wanted[model] |= {int(v) for v in _listed(values) if str(v).isdigit()}
    found = {
        model: {obj.pk: obj for obj in model._default_manager.filter(pk__in=pks)}
        for model, pks in wanted.items()
    }
    for record in records:
        record.kind_label = kind_label(record.kind)
        fields = _fields_of(record.kind)
        words = []
        for key, values in (record.query or {}).items():
            shown = [str(v) for v in _listed(values) if str(v) != ""]
            if key == "page" or not shown:
                continue
            field = fields.get(key)
            label = str(field.label) if field is not None and field.label else key
            words.append((label, " / ".join(_value_words(field, shown, found))))
        record.filter_words = words


def _fields_of(kind: str) -> Mapping[str, forms.Field]:
    known = _KINDS.get(kind)
    return known.fields if known else {}


def _listed(values) -> list:
    return list(values) if isinstance(values, list | tuple) else [values]


def _value_words(field, values: list[str], found: dict) -> list[str]:
    if isinstance(field, forms.ModelChoiceField):
        objects = found.get(field.queryset.model, {})
        return [
            field.label_from_instance(objects[int(v)]) if v.isdigit() and int(v) in objects else v
            for v in values
        ]
    if isinstance(field, forms.BooleanField):
        return [str(_("no") if v in ("", "0", "false", "False") else _("yes")) for v in values]
    if isinstance(field, forms.ChoiceField):
        choices = {}
        for value, label in field.choices:
            if isinstance(label, list | tuple):  # an option group
                choices.update({str(inner): shown for inner, shown in label})
            else:
                choices[str(value)] = label
        return [str(choices.get(v, v)) for v in values]
    return values
