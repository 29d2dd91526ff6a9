"""Exports (CSV and Excel): the one way any page turns rows into a downloaded file.

Every export in the product goes through `export_response`, so the rules for exports
(who may export, how many rows, what is logged) hold in one place. Rows are produced by
the caller from querysets already scoped by `crm.access`; phone numbers in them are
masked by the caller unless the user may see full numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMATS = [("csv", "CSV"), ("xlsx", "Excel")]
MAX_ROWS = 50_000


def max_rows() -> int:
    """The cap on one export's rows (the risk policy's, never above `MAX_ROWS`)."""
    from risk.models import RiskPolicy

    return min(RiskPolicy.current().export_max_rows or MAX_ROWS, MAX_ROWS)


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

    The export rules hold here for every app: the user's role must be one the risk
    policy allows to export (else 403), at most `max_rows()` rows are written (the
    record says when the file was cut), and every export is logged as a
    `risk.ExportRecord` (who, what, the filters, how many rows, when).

    CSV is streamed (constant memory); Excel is built in write-only mode. Cells starting
    with = + - @ are prefixed with a quote so a spreadsheet never runs them as formulas.
    """
    from crm import access
    from risk import services as risk

    if not access.can_export(request.user, kind):
        raise PermissionDenied
    fmt = chosen_format(fmt)
    query = {key: request.GET.getlist(key) for key in request.GET if key != "format"}
    record = risk.export_log(
        user=request.user, kind=kind, query=query, fmt=fmt, ip=risk.client_ip(request)
    )
    rows = _capped(rows, limit=max_rows(), record=record)
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


def _capped(rows: Iterable[Sequence], *, limit: int, record) -> Iterable[Sequence]:
    """The first `limit` rows; the export record learns how many were written."""
    from risk import services as risk

    written = 0
    truncated = False
    for row in rows:
        if written >= limit:
            truncated = True
            break
        written += 1
        yield row
    risk.export_finish(record=record, row_count=written, truncated=truncated)


def _harmless(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
