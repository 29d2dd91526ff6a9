"""Bulk import: CSV (UTF-8, GBK) and Excel, headers in Chinese or English, a report that
accounts for every row, re-imports that create nothing, resumable runs, refused files."""

import csv
import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from crm.models import Member, MemberStatus
from leads.models import (
    Assignment,
    ImportJob,
    ImportRow,
    Lead,
    LeadPolicy,
    LeadSource,
    LeadStatus,
)
from leads.services import capture, import_columns, importing
from leads.services.capture import batch
from risk.models import DoNotCall
from risk.services import do_not_call_add
from tests.factories import make_member
from tests.leads.factories import LeadFactory

HEADER = ["姓名", "手机", "公司", "地区", "来源", "备注"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def csv_bytes(rows, *, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, *, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name="leads.csv"):
    return SimpleUploadedFile(name, content)


def run_import(org, content, name="leads.csv", **kwargs) -> ImportJob:
    job = importing.import_job_create(
        file=upload(content, name), by=org.manager_a.user, start=False, **kwargs
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


MIXED_ROWS = [
    ["张三", "138 0013 8000", "甲公司", "上海", "百度", "老客户介绍"],  # row 2: created
    ["李四", "12345", "乙公司", "北京", "", ""],  # row 3: rejected (phone)
    ["王五", "+86-139-0013-9000", "", "广州", "", ""],  # row 4: created
    ["张三丰", "0086 13800138000", "丙公司", "", "", ""],  # row 5: duplicate of row 2
    ["", "", "", "", "", ""],  # row 6: blank, skipped
    ["赵六", "13700137000", "", "", "", ""],  # row 7: duplicate of an existing lead
    ["钱七", "13600136000", "", "", "", ""],  # row 8: rejected (do-not-call)
]


@pytest.fixture
def known(db):
    LeadPolicy.current()
    existing = LeadFactory(phone="+8613700137000", name="老赵", company="")
    do_not_call_add(phone="13600136000", reason="投诉")
    return existing


class TestReport:
    def test_every_row_is_accounted_for(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS))
        assert job.status == ImportJob.Status.DONE
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 2)
        assert job.total_rows == job.processed_rows == 6  # the blank row is not data
        assert job.created_count + job.duplicate_count + job.rejected_count == 6
        rows = {row.row_number: row for row in job.rows.all()}
        assert set(rows) == {3, 5, 7, 8}
        assert (rows[3].outcome, rows[3].field) == (ImportRow.Outcome.REJECTED, "phone")
        first = Lead.objects.get(phone="+8613800138000")
        assert rows[5].lead == first and "row 2" in rows[5].reason
        assert rows[7].lead == known and f"#{known.pk}" in rows[7].reason
        assert rows[8].field == "phone" and "投诉" in rows[8].reason

    def test_good_rows_are_kept_and_fields_merged(self, org, known):
        run_import(org, csv_bytes(MIXED_ROWS))
        lead = Lead.objects.get(phone="+8613800138000")
        assert (lead.name, lead.company, lead.region) == ("张三", "甲公司", "上海")
        assert lead.notes == "老客户介绍"
        known.refresh_from_db()
        assert known.name == "老赵"  # not overwritten
        source = lead.sources.get(is_duplicate=False)
        assert source.payload["source"] == "百度" and source.payload["row"] == 2
        assert lead.sources.filter(is_duplicate=True).count() == 1  # row 5
        assert lead.channel == "import" and lead.created_by == org.manager_a.user

    def test_imported_leads_are_scored(self, org, known):
        run_import(org, csv_bytes(MIXED_ROWS))
        lead = Lead.objects.get(phone="+8613800138000")
        expected = capture.lead_score(lead)
        assert (lead.score, lead.grade, lead.score_details) == expected

    def test_reimporting_the_same_file_creates_nothing_new(self, org, known):
        run_import(org, csv_bytes(MIXED_ROWS))
        leads = Lead.objects.count()
        again = run_import(org, csv_bytes(MIXED_ROWS))
        assert Lead.objects.count() == leads
        assert (again.created_count, again.duplicate_count, again.rejected_count) == (0, 4, 2)

    def test_assignment_is_queued_when_leads_were_created(
        self, org, known, django_capture_on_commit_callbacks
    ):
        with (
            mock.patch("leads.tasks.assign_pending_leads.delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            run_import(org, csv_bytes(MIXED_ROWS))
        delay.assert_called_once_with()

    def test_the_creator_is_told_when_it_is_done(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS))
        note = org.manager_a.user.notifications.get(key=f"import-finished:{job.pk}")
        assert "2" in note.text


class TestFormats:
    def test_gbk_csv_from_chinese_excel(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS, encoding="gbk"))
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 2)
        assert Lead.objects.filter(name="张三", company="甲公司").exists()

    def test_utf8_with_bom_and_semicolons(self, org, known):
        content = "\ufeff姓名;电话\n张三;13800138000\n".encode()
        job = run_import(org, content)
        assert job.created_count == 1
        assert Lead.objects.get(phone="+8613800138000").name == "张三"

    def test_xlsx_with_numbers_for_phones(self, org, known):
        rows = [["张三", 13800138000, "甲公司", "上海", "", ""], ["李四", "bad", "", "", "", ""]]
        job = run_import(org, xlsx_bytes(rows), name="leads.xlsx")
        assert (job.created_count, job.rejected_count) == (1, 1)
        assert job.rows.get().row_number == 3

    def test_english_headers(self, org, known):
        content = csv_bytes(
            [["Ann", "13800138000", "ACME", "ann@example.com", "high", "5万"]],
            header=["Name", "Mobile", "Company", "E-mail", "Intent", "Budget"],
        )
        run_import(org, content)
        lead = Lead.objects.get(phone="+8613800138000")
        assert (lead.name, lead.company, lead.email, lead.intent) == (
            "Ann",
            "ACME",
            "ann@example.com",
            "high",
        )
        assert lead.budget == 50000

    def test_a_bad_value_rejects_its_row_naming_the_field(self, org, known):
        content = csv_bytes(
            [["A", "13800138000", "x@"], ["B", "13900139000", ""]],
            header=["name", "phone", "email"],
        )
        job = run_import(org, content)
        row = job.rows.get()
        assert (row.row_number, row.field, job.created_count) == (2, "email", 1)


class TestColumns:
    def test_headers_in_chinese_and_english(self):
        header = [
            "客户姓名",
            "联系电话",
            "单位",
            "省份",
            "渠道",
            "remark",
            "微信号",
            "意向产品",
            "预算",
            "意向",
            "无关列",
        ]
        assert import_columns.detect_columns(header) == {
            0: "name",
            1: "phone",
            2: "company",
            3: "region",
            4: "source",
            5: "notes",
            6: "wechat",
            7: "product",
            8: "budget",
            9: "intent",
        }

    def test_decorated_headers_and_one_column_per_field(self):
        assert import_columns.detect_columns(["手机号码*", "客户手机号", "Tel"]) == {0: "phone"}
        assert import_columns.detect_columns(["客户手机号"]) == {0: "phone"}

    def test_the_users_mapping_overrides_detection(self, org, known):
        content = csv_bytes(
            [["13800138000", "13900139000", "张三"]], header=["电话", "号码2", "称谓"]
        )
        job = run_import(org, content, mapping={"1": "phone", "0": "", "称谓": "name"})
        assert job.created_count == 1
        assert Lead.objects.get(phone="+8613900139000").name == "张三"
        assert not Lead.objects.filter(phone="+8613800138000").exists()

    def test_a_file_without_a_phone_column_fails_with_a_message(self, org, known):
        job = run_import(org, csv_bytes([["张三"]], header=["姓名"]))
        assert job.status == ImportJob.Status.FAILED
        assert "phone" in job.error

    def test_a_bad_mapping_is_refused(self, org):
        with pytest.raises(ValidationError) as error:
            importing.import_job_create(
                file=upload(csv_bytes(MIXED_ROWS)), by=org.admin.user, mapping={"0": "salary"}
            )
        assert "mapping" in error.value.message_dict


class TestResume:
    def test_a_run_killed_mid_way_resumes_without_double_counting(self, org, known, monkeypatch):
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=org.manager_a.user, start=False
        )
        real = batch.lead_chunk
        calls = []

        def dies_on_the_second_chunk(run, rows):
            calls.append(rows)
            if len(calls) == 2:
                raise SystemExit("worker killed")
            return real(run, rows)

        monkeypatch.setattr(batch, "lead_chunk", dies_on_the_second_chunk)
        with pytest.raises(SystemExit):
            importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.status, job.processed_rows) == (ImportJob.Status.RUNNING, 2)
        monkeypatch.setattr(batch, "lead_chunk", real)
        importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 2)
        assert Lead.objects.count() == 3
        assert LeadSource.objects.filter(import_job=job).count() == 4

    def test_progress_lost_after_writing_is_recounted_not_redone(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS))
        expected = (job.created_count, job.duplicate_count, job.rejected_count)
        sources = LeadSource.objects.count()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.RUNNING,
            processed_rows=1,
            created_count=1,
            duplicate_count=0,
            rejected_count=0,
        )
        importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.created_count, job.duplicate_count, job.rejected_count) == expected
        assert LeadSource.objects.count() == sources
        assert Lead.objects.count() == 3

    def test_a_finished_job_is_not_run_again(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS))
        summary = importing.import_job_run(job_id=job.pk)
        assert (summary["created"], summary["duplicates"], summary["rejected"]) == (2, 2, 2)


class TestRefusals:
    def refuse(self, org, content, name):
        with pytest.raises(ValidationError) as error:
            importing.import_job_create(file=upload(content, name), by=org.admin.user)
        assert not ImportJob.objects.exists()
        return error.value.message_dict["file"][0]

    def test_an_xlsx_that_is_really_a_csv(self, org):
        assert ".xlsx" in self.refuse(org, csv_bytes(MIXED_ROWS), "leads.xlsx")

    def test_a_binary_file_named_csv(self, org):
        assert "CSV" in self.refuse(org, b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "leads.csv")

    def test_an_excel_workbook_named_csv(self, org):
        assert "CSV" in self.refuse(org, xlsx_bytes([["a", "13800138000"]]), "leads.csv")

    def test_a_zip_that_is_not_a_workbook(self, org):
        out = io.BytesIO()
        import zipfile

        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("hello.txt", "hi")
        assert "Excel" in self.refuse(org, out.getvalue(), "leads.xlsx")

    def test_old_excel_and_other_types(self, org):
        assert ".xls" in self.refuse(org, b"\xd0\xcf\x11\xe0rest", "leads.xls")
        assert "CSV" in self.refuse(org, b"hello", "leads.txt")

    def test_text_that_is_neither_utf8_nor_gbk(self, org):
        assert "UTF-8" in self.refuse(org, "姓名,电话\n".encode() + b"\xff\xff\xff\n", "a.csv")

    def test_an_empty_file(self, org):
        assert self.refuse(org, b"", "leads.csv")

    def test_a_file_over_the_size_limit(self, org):
        policy = LeadPolicy.current()
        policy.import_max_megabytes = 1
        policy.save()
        big = csv_bytes([["某人", f"138{n:08d}", "x" * 50] for n in range(20000)])
        assert len(big) > 1024 * 1024
        assert "1 MB" in self.refuse(org, big, "leads.csv")

    def test_a_file_over_the_row_limit(self, org):
        policy = LeadPolicy.current()
        policy.import_max_rows = 3
        policy.save()
        message = self.refuse(org, csv_bytes([["x", f"1380013800{n}"] for n in range(5)]), "a.csv")
        assert "5" in message and "3" in message

    def test_the_row_limit_is_checked_again_when_the_run_starts(self, org):
        job = importing.import_job_create(
            file=upload(xlsx_bytes([["x", f"1380013800{n}"] for n in range(5)]), "a.xlsx"),
            by=org.admin.user,
            start=False,
        )
        LeadPolicy.objects.filter(pk=1).update(import_max_rows=3)
        importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED and "3" in job.error
        assert not Lead.objects.exists()


class TestDoNotCallImport:
    def test_a_do_not_call_list_is_imported(self, org, known):
        owned = LeadFactory(phone="+8613500135000", owner=org.agent_a1.user)
        content = csv_bytes(
            [["13500135000", "投诉"], ["13600136000", "重复"], ["bad", ""], ["13400134000", ""]],
            header=["手机号", "原因"],
        )
        job = run_import(org, content, kind="dnc")
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 1, 1)
        assert DoNotCall.objects.get(phone="+8613500135000").source == DoNotCall.Source.IMPORT
        owned.refresh_from_db()
        assert owned.status == LeadStatus.LOST and "投诉" in owned.closed_reason


class TestQueue:
    def test_creating_a_job_queues_it_after_commit(self, org, django_capture_on_commit_callbacks):
        with (
            mock.patch("leads.tasks.import_job_run.delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            job = importing.import_job_create(file=upload(csv_bytes(MIXED_ROWS)), by=org.admin.user)
        delay.assert_called_once_with(job.pk)
        assert job.sha256 and job.original_name == "leads.csv"

    def test_the_task_runs_the_service(self, org, known):
        from leads.tasks import import_job_run

        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=org.admin.user, start=False
        )
        assert import_job_run.apply(args=[job.pk]).get()["created"] == 2


# --- pages ------------------------------------------------------------------------------


class TestImportPages:
    def test_a_manager_uploads_and_sees_the_report(self, org, client_as, known):
        client = client_as(org.manager_a)
        with mock.patch("leads.tasks.import_job_run.delay"):
            response = client.post(
                "/leads/imports/new/",
                {"file": upload(csv_bytes(MIXED_ROWS)), "kind": "leads", "channel": "import"},
            )
        job = ImportJob.objects.get()
        assert response["Location"] == f"/leads/imports/{job.pk}/"
        importing.import_job_run(job_id=job.pk)
        body = client.get(f"/leads/imports/{job.pk}/").content.decode()
        assert "13700137000" not in body  # the report shows rows, not other people's numbers
        assert f"#{known.pk}" in body
        progress = client.get(f"/leads/imports/{job.pk}/progress/").content.decode()
        assert 'id="count-created">2<' in progress and "every 1s" not in progress

    def test_a_running_import_polls_for_progress(self, org, client_as):
        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=org.manager_a.user, start=False
        )
        ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=6, processed_rows=3)
        body = client_as(org.manager_a).get(f"/leads/imports/{job.pk}/progress/").content.decode()
        assert "every 1s" in body and "50%" in body

    def test_checking_the_columns_before_the_run(
        self, org, client_as, known, django_capture_on_commit_callbacks
    ):
        client = client_as(org.manager_a)
        content = csv_bytes([["13800138000", "张三"]], header=["号码A", "称谓"])
        response = client.post(
            "/leads/imports/new/",
            {"file": upload(content), "kind": "leads", "channel": "import", "check_columns": "on"},
        )
        job = ImportJob.objects.get()
        assert response["Location"] == f"/leads/imports/{job.pk}/columns/"
        page = client.get(response["Location"])
        assert page.status_code == 200 and "13800138000" in page.content.decode()
        with (
            mock.patch("leads.tasks.import_job_run.delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(
                f"/leads/imports/{job.pk}/columns/", {"column_0": "phone", "column_1": "name"}
            )
        delay.assert_called_once_with(job.pk)
        assert response.status_code == 302
        job.refresh_from_db()
        assert job.mapping == {"0": "phone", "1": "name"}
        importing.import_job_run(job_id=job.pk)
        assert Lead.objects.get(phone="+8613800138000").name == "张三"

    def test_a_refused_file_shows_the_reason_on_the_form(self, org, client_as):
        response = client_as(org.manager_a).post(
            "/leads/imports/new/",
            {"file": upload(csv_bytes(MIXED_ROWS), "a.xlsx"), "kind": "leads", "channel": "import"},
        )
        assert response.status_code == 200
        assert ".xlsx" in response.context["form"].errors["file"][0]

    def test_agents_who_do_not_take_leads_do_not_import(self, org, client_as):
        trainee = make_member(team=org.team_a, status=MemberStatus.ONBOARDING)
        client = client_as(trainee)
        assert client.get("/leads/imports/").status_code == 403
        assert client.get("/leads/imports/new/").status_code == 403

    def test_inspectors_do_not_import(self, org, client_as):
        assert client_as(org.inspector).get("/leads/imports/new/").status_code == 403

    def test_only_admins_import_do_not_call_lists(self, org, client_as):
        response = client_as(org.manager_a).post(
            "/leads/imports/new/",
            {"file": upload(csv_bytes(MIXED_ROWS)), "kind": "dnc", "channel": "import"},
        )
        assert response.status_code == 200 and "kind" in response.context["form"].errors

    def test_who_sees_which_import(self, org, client_as):
        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=org.manager_a.user, start=False
        )
        assert client_as(org.manager_b).get(f"/leads/imports/{job.pk}/").status_code == 404
        assert client_as(org.head).get(f"/leads/imports/{job.pk}/").status_code == 200
        assert client_as(org.admin).get(f"/leads/imports/{job.pk}/").status_code == 200
        assert client_as(org.south_head).get(f"/leads/imports/{job.pk}/").status_code == 404

    def test_list_and_report_take_constant_queries(
        self, org, client_as, known, django_assert_max_num_queries
    ):
        client = client_as(org.admin)
        job = run_import(org, csv_bytes(MIXED_ROWS))
        client.get("/leads/imports/")
        with django_assert_max_num_queries(12) as list_queries:
            client.get("/leads/imports/")
        with django_assert_max_num_queries(14) as report_queries:
            client.get(f"/leads/imports/{job.pk}/")
        for _n in range(5):
            run_import(
                org, csv_bytes(MIXED_ROWS + [[f"x{n}", f"1330013300{n}"] for n in range(10)])
            )
        big = ImportJob.objects.order_by("-pk").first()
        with django_assert_max_num_queries(len(list_queries.captured_queries)):
            client.get("/leads/imports/")
        with django_assert_max_num_queries(len(report_queries.captured_queries)):
            client.get(f"/leads/imports/{big.pk}/")


# --- agents import their own lists -----------------------------------------------------


def agent_import(member, content, name="mine.csv", **kwargs) -> ImportJob:
    job = importing.import_job_create(
        file=upload(content, name), by=member.user, start=False, **kwargs
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


class TestAgentImport:
    """As the demo agent: import a messy file, see the report, find the new leads scored
    and assigned to me in my worklist, the duplicates left with whoever has them."""

    def test_the_new_leads_are_the_agents_and_scored(self, org, known):
        agent = org.agent_a1
        job = agent_import(agent, csv_bytes(MIXED_ROWS))
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 2)
        for lead in Lead.objects.filter(sources__import_job=job, sources__is_duplicate=False):
            assert (lead.owner, lead.team, lead.status) == (agent.user, org.team_a, "new")
            assert lead.assigned_at is not None
            assert (lead.score, lead.grade, lead.score_details) == capture.lead_score(lead)
            assignment = lead.assignments.get()
            assert (assignment.kind, assignment.to_user, assignment.by) == (
                Assignment.Kind.MANUAL,
                agent.user,
                agent.user,
            )
            assert assignment.from_user is None and assignment.team == org.team_a
            assert "Imported by" in assignment.reason and "mine.csv" in assignment.reason

    def test_duplicates_stay_with_their_owner_and_say_so(self, org, known):
        other = LeadFactory(phone="+8613900139000", owner=org.agent_b1.user, team=org.team_b)
        mine = LeadFactory(phone="+8613500135000", owner=org.agent_a1.user, team=org.team_a)
        content = csv_bytes(
            [
                ["赵六", "13700137000", "", "", "", ""],  # row 2: in the pool (known)
                ["孙八", "13900139000", "", "", "", ""],  # row 3: another agent's
                ["周九", "13500135000", "", "", "", ""],  # row 4: already mine
                ["吴十", "13600136000", "", "", "", ""],  # row 5: do-not-call
            ]
        )
        job = agent_import(org.agent_a1, content)
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (0, 3, 1)
        rows = {row.row_number: row for row in job.rows.all()}
        assert "stays in the pool" in rows[2].reason
        # Another team's lead: the agent is not told which lead it is (issue 20).
        assert rows[3].lead is None and "stays with the agent who has it" in rows[3].reason
        assert f"#{other.pk}" not in rows[3].reason
        assert "already yours" in rows[4].reason
        assert rows[5].outcome == ImportRow.Outcome.REJECTED and "投诉" in rows[5].reason
        other.refresh_from_db()
        known.refresh_from_db()
        assert (other.owner, other.team) == (org.agent_b1.user, org.team_b)
        assert known.owner is None
        assert not Assignment.objects.filter(lead__in=[other, known, mine]).exists()

    def test_capacity_is_a_warning_not_a_limit(self, org, known):
        agent = org.agent_a1
        Member.objects.filter(pk=agent.pk).update(daily_lead_capacity=1)
        job = agent_import(agent, csv_bytes(MIXED_ROWS))
        assert job.created_count == 2
        assert Lead.objects.filter(owner=agent.user).count() == 2
        note = agent.user.notifications.get(key=f"import-finished:{job.pk}")
        assert "given 2 leads today" in note.text and "no more leads today" in note.text

    def test_a_managers_import_is_left_to_the_routing_rules(self, org, known):
        job = run_import(org, csv_bytes(MIXED_ROWS))
        assert not Lead.objects.filter(sources__import_job=job, owner__isnull=False).exists()
        assert not Assignment.objects.exists()

    def test_an_agent_who_stopped_taking_leads_gets_none(self, org, known):
        agent = org.agent_a1
        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=agent.user, start=False
        )
        Member.objects.filter(pk=agent.pk).update(status=MemberStatus.ON_LEAVE)
        importing.import_job_run(job_id=job.pk)
        assert not Lead.objects.filter(owner=agent.user).exists()
        created = Lead.objects.filter(sources__import_job=job, sources__is_duplicate=False)
        assert created.count() == 2 and not created.filter(owner__isnull=False).exists()

    def test_a_resumed_agent_import_assigns_each_lead_once(self, org, known, monkeypatch):
        monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
        job = importing.import_job_create(
            file=upload(csv_bytes(MIXED_ROWS)), by=org.agent_a1.user, start=False
        )
        real = batch.lead_chunk
        calls = []

        def dies_on_the_second_chunk(run, rows):
            calls.append(rows)
            if len(calls) == 2:
                raise SystemExit("worker killed")
            return real(run, rows)

        monkeypatch.setattr(batch, "lead_chunk", dies_on_the_second_chunk)
        with pytest.raises(SystemExit):
            importing.import_job_run(job_id=job.pk)
        monkeypatch.setattr(batch, "lead_chunk", real)
        importing.import_job_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.created_count, job.duplicate_count, job.rejected_count) == (2, 2, 2)
        assert Assignment.objects.filter(to_user=org.agent_a1.user).count() == 2


class TestAgentImportPages:
    def test_upload_see_the_report_and_work_the_leads(self, org, client_as, known):
        client = client_as(org.agent_a1)
        home = client.get("/").content.decode()
        assert 'href="/leads/imports/"' in home  # in the agent's menu
        form = client.get("/leads/imports/new/")
        assert form.status_code == 200 and 'id="import-capacity"' in form.content.decode()
        with mock.patch("leads.tasks.import_job_run.delay"):
            response = client.post(
                "/leads/imports/new/",
                {"file": upload(csv_bytes(MIXED_ROWS)), "kind": "leads", "channel": "import"},
            )
        job = ImportJob.objects.get()
        assert response["Location"] == f"/leads/imports/{job.pk}/"
        importing.import_job_run(job_id=job.pk)
        report = client.get(f"/leads/imports/{job.pk}/").content.decode()
        assert 'id="count-created">2<' in report and "given 2 leads today" in report
        assert f"#{known.pk}" in report
        listed = client.get("/leads/imports/").content.decode()
        assert f"/leads/imports/{job.pk}/" in listed
        worklist = client.get("/leads/").content.decode()
        assert "张三" in worklist and "王五" in worklist
        lead = Lead.objects.get(phone="+8613800138000")
        assert client.get(f"/leads/{lead.pk}/").status_code == 200

    def test_agents_do_not_import_do_not_call_lists(self, org, client_as):
        client = client_as(org.agent_a1)
        assert 'value="dnc"' not in client.get("/leads/imports/new/?kind=dnc").content.decode()
        response = client.post(
            "/leads/imports/new/",
            {"file": upload(csv_bytes(MIXED_ROWS)), "kind": "dnc", "channel": "import"},
        )
        assert response.status_code == 200 and "kind" in response.context["form"].errors
        assert not ImportJob.objects.exists()

    def test_an_agent_sees_only_their_own_imports(self, org, client_as):
        def job_by(member):
            return importing.import_job_create(
                file=upload(csv_bytes(MIXED_ROWS)), by=member.user, start=False
            )

        own, colleague, manager = job_by(org.agent_a1), job_by(org.agent_a2), job_by(org.manager_a)
        client = client_as(org.agent_a1)
        assert client.get(f"/leads/imports/{own.pk}/").status_code == 200
        for job in (colleague, manager):
            assert client.get(f"/leads/imports/{job.pk}/").status_code == 404
            assert client.get(f"/leads/imports/{job.pk}/progress/").status_code == 404
            assert client.get(f"/leads/imports/{job.pk}/columns/").status_code == 404
        listed = client.get("/leads/imports/").content.decode()
        assert f"/leads/imports/{own.pk}/" in listed
        assert f"/leads/imports/{colleague.pk}/" not in listed
        # The team's manager sees their agents' imports.
        assert client_as(org.manager_a).get(f"/leads/imports/{own.pk}/").status_code == 200
        assert client_as(org.manager_b).get(f"/leads/imports/{own.pk}/").status_code == 404
