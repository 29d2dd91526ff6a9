"""THE erasure test: one marked person in every table that can hold personal data, erased,
then every text column of every table and every stored file is searched for their name,
number (raw, E.164, masked forms keeping more than the last four digits) and email.

Run on PostgreSQL (the test settings use it when reachable; CI requires it), and on SQLite
as well."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

from django.db import connection

from leads.models import ImportJob, Lead
from leads.services.capture.screening import listed_numbers
from orders.models import Order, OrderLine, SalesEntry
from privacy.models import RequestStatus
from privacy.services.erasure import erase_person
from risk.services import is_do_not_call

from .conftest import MARKED_PHONE
from .marked import NEEDLES, marked_person

TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField"}


def text_columns() -> list[tuple[str, str]]:
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind in TEXT_TYPES:
                    found.append((table, column.name))
    return found


def rows_mentioning(needle: str) -> list[tuple[str, str, str]]:
    quote = connection.ops.quote_name
    hits = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            text = f"CAST({quote(column)} AS TEXT)"
            cursor.execute(
                f"SELECT {text} FROM {quote(table)} WHERE UPPER({text}) LIKE UPPER(%s)",  # noqa: S608
                [f"%{needle}%"],
            )
            hits += [(table, column, row[0][:120]) for row in cursor.fetchall()]
    return hits


def file_texts(root: Path):
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(name) for name in archive.namelist())
        yield path, data.decode("utf-8", errors="ignore")


def test_the_marked_person_is_found_before_the_erasure(org, media):
    """The scan itself works: it reads every table's text columns (JSON included), and
    before the erasure the person is there."""
    columns = set(text_columns())
    assert {("risk_auditentry", "before"), ("leads_leadsource", "payload")} <= columns
    assert {
        ("privacy_subjectrequest", "subject_email"),
        ("django_admin_log", "object_repr"),
    } <= columns
    marked_person(org)
    for needle in (NEEDLES[0], NEEDLES[1], NEEDLES[3], NEEDLES[7]):
        assert rows_mentioning(needle), needle
    assert any("13912345678" in text for _path, text in file_texts(media))


def test_erasure_leaves_nothing(org, media):
    marked = marked_person(org)
    totals = (
        marked.order.total,
        list(OrderLine.objects.filter(order=marked.order).values_list("quantity", "unit_price")),
    )
    sales = list(SalesEntry.objects.filter(order=marked.order).values_list("amount", "day"))

    erase_person(request=marked.request, by=org.admin.user)

    found = {needle: rows_mentioning(needle) for needle in NEEDLES}
    assert {needle: hits for needle, hits in found.items() if hits} == {}
    in_files = [
        (str(path.relative_to(media)), needle)
        for path, text in file_texts(media)
        for needle in NEEDLES
        if needle.lower() in text.lower()
    ]
    assert in_files == []
    # The books keep the order: amount, lines, dates, the sales ledger.
    order = Order.objects.get(pk=marked.order.pk)
    assert (order.total, list(order.lines.values_list("quantity", "unit_price"))) == totals
    assert order.total == Decimal("1000.00") and order.closed_at is not None
    assert list(SalesEntry.objects.filter(order=order).values_list("amount", "day")) == sales
    # The customer record stays, anonymized; the other customer in the files is untouched.
    lead = Lead.objects.get(pk=marked.lead.pk)
    assert lead.name == "[erased]" and lead.phone == f"erased:{lead.pk}" and lead.email == ""
    other = Lead.objects.get(pk=marked.other_lead.pk)
    assert (other.name, other.phone, other.email) == ("李四", "+8613800138000", "lisi@example.com")
    kept = [text for _path, text in file_texts(media) if "13800138000" in text]
    assert kept, "the other customer's row stays in the import file"
    assert ImportJob.objects.filter(original_name="leads.csv").exists()
    # They asked not to be called: the number is still refused, kept only as a hash.
    assert is_do_not_call(MARKED_PHONE)
    assert MARKED_PHONE in listed_numbers({MARKED_PHONE})
    # The request is completed and says what was done, without the person.
    marked.request.refresh_from_db()
    assert marked.request.status == RequestStatus.COMPLETED
    assert marked.request.subject_hint == "****5678"
    assert marked.request.outcome_data["erased"]["customer_records"] == 1
    assert marked.request.outcome_data["erased"]["recording_files"] == 1
    assert marked.request.outcome_data["erased"]["import_file_rows"] >= 3
