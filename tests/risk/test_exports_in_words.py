"""Exports and the export log speak the user's language: headers and coded values in
words, and the log shows what was exported and with which filters (状态 = 新线索)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from crm import exports
from leads.models import Channel, LeadStatus
from risk.models import ExportRecord
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


class TestTheLeadsExport:
    def test_in_chinese_headers_and_values_are_words(self, org, client_as):
        LeadFactory(
            owner=org.agent_a1.user,
            team=org.team_a,
            channel=Channel.ADVERTISING,
            status=LeadStatus.NEW,
        )
        client = zh(client_as(org.manager_a))
        rows = csv_rows(client.get(reverse("leads:export"), {"format": "csv"}))
        header, row = rows
        assert header[1] == "姓名" and "渠道" in header and "状态" in header
        assert row[header.index("渠道")] == "广告投放"
        assert row[header.index("状态")] == "新线索"

    def test_in_english_they_are_english_words(self, org, client_as):
        LeadFactory(owner=org.agent_a1.user, team=org.team_a, channel=Channel.ADVERTISING)
        client = client_as(org.manager_a)
        client.cookies["django_language"] = "en"
        header, row = csv_rows(client.get(reverse("leads:export"), {"format": "csv"}))
        assert header[1] == "Name"
        assert row[header.index("Status")] == "New"

    def test_excel_too(self, org, client_as):
        LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.NEW)
        client = zh(client_as(org.manager_a))
        response = client.get(reverse("leads:export"), {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        header, row = list(sheet.iter_rows(values_only=True))
        assert row[header.index("状态")] == "新线索"


class TestTheOrdersExport:
    def test_headers_are_chinese(self, org, client_as):
        client = zh(client_as(org.manager_a))
        (header,) = csv_rows(client.get(reverse("orders:export"), {"format": "csv"}))
        assert header[0] == "订单号"
        assert not any(title.isascii() for title in header)


class TestTheExportLog:
    def test_what_and_filters_are_in_words(self, org, client_as):
        client = zh(client_as(org.manager_a))
        client.get(reverse("leads:export"), {"status": "new", "channel": "advertising"})
        client.get(reverse("orders:export"), {"status": "draft", "agent": org.agent_a1.user_id})
        page = client.get(reverse("risk:exports"))
        records = {record.kind: record for record in page.context["page"]}
        assert records["leads"].kind_label == "线索"
        assert ("状态", "新线索") in records["leads"].filter_words
        assert ("渠道", "广告投放") in records["leads"].filter_words
        assert ("状态", "草稿") in records["orders"].filter_words
        agent = dict(records["orders"].filter_words)["坐席"]
        assert org.agent_a1.user.username in agent
        body = page.content.decode()
        assert "状态 = 新线索" in body
        assert "status=new" not in body and "<td>leads</td>" not in body

    def test_an_unknown_kind_or_filter_shows_as_stored(self, org):
        record = ExportRecord(user=org.admin.user, kind="mystery", query={"x": ["1"]})
        exports.describe_filters([record])
        assert record.kind_label == "mystery"
        assert record.filter_words == [("x", "1")]

    def test_lookups_are_one_query_per_model_for_the_page(self, org, django_assert_num_queries):
        records = [
            ExportRecord(user=org.admin.user, kind="orders", query={"agent": [str(m.user_id)]})
            for m in (org.agent_a1, org.agent_a2, org.agent_b1)
        ]
        with django_assert_num_queries(1):
            exports.describe_filters(records)
        assert all(record.filter_words[0][1] for record in records)


def test_the_log_is_filtered_by_what_was_exported_chosen_in_words(org, client_as):
    client = zh(client_as(org.manager_a))
    client.get(reverse("leads:export"))
    client.get(reverse("orders:export"))
    page = client.get(reverse("risk:exports"), {"kind": "orders"})
    assert [record.kind for record in page.context["page"]] == ["orders"]
    assert '<option value="leads">线索</option>' in page.content.decode()
