"""Imports keep a process's memory bounded whatever the file (issue 20, item 3).

Given a 300 KB workbook whose sheet XML is 300 MB of blanks (under
`IMPORT_XLSX_MAX_UNPACKED_BYTES`), when it is uploaded, then before the fix the web
process grew by 300 MB and kept it, and so did the worker. Now the file is refused at the
door with a message the user can act on, and neither the upload nor a run of a file
stored before grows the process by more than a few MB. The same holds for a CSV that is
one gigantic line.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.reader.strings import read_string_table

from leads.models import ImportJob, Lead, LeadPolicy
from leads.services import import_files, importing

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
# The bound is 100 MB; tracemalloc counts Python's allocations, the part of a
# process's memory that grew by 300 MB.
MEMORY_BOUND = 100 * MB
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def plain_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(["姓名", "手机"])
    workbook.active.append(["张三", "13800138000"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def padded_workbook(
    *, after: bytes, padding: bytes, size: int, opening: bytes = b"", closing: bytes = b""
) -> bytes:
    """A real workbook whose sheet has `opening`, `size` bytes of `padding` (written in
    blocks, never held whole) and `closing` right after the first `after`: compressed,
    it is small."""
    out = io.BytesIO()
    block = padding * (MB // len(padding))
    with (
        zipfile.ZipFile(io.BytesIO(plain_workbook())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != SHEET:
                target.writestr(item, data)
                continue
            head, tail = data.split(after, 1)
            info = zipfile.ZipInfo(SHEET)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as stream:
                stream.write(head + after + opening)
                left = size
                while left > 0:
                    stream.write(block[:left])
                    left -= len(block)
                stream.write(closing + tail)
    return out.getvalue()


def hostile_workbook() -> bytes:
    """The issue's file: 300 MB of blanks between two rows of the sheet."""
    return padded_workbook(after=b"</row>", padding=b" \n\t", size=300 * MB)


def peak_of(call) -> tuple[int, object]:
    """Peak Python memory (bytes above the start) while `call` runs, and its result."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start, _ = tracemalloc.get_traced_memory()
    try:
        result = call()
    except Exception as error:  # the refusal is the result
        result = error
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak - start, result


class TestTheHostileWorkbook:
    def test_it_is_small_and_unpacks_under_the_zip_bomb_limit(self, settings):
        content = hostile_workbook()
        assert len(content) < 1 * MB
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        assert 300 * MB < unpacked < settings.IMPORT_XLSX_MAX_UNPACKED_BYTES

    def test_the_upload_is_refused_at_once_within_the_memory_bound(self, org):
        upload = SimpleUploadedFile("leads.xlsx", hostile_workbook())
        grown, result = peak_of(
            lambda: importing.import_job_create(file=upload, by=org.manager_a.user)
        )
        assert grown < MEMORY_BOUND, f"grew {grown // MB} MB"
        assert isinstance(result, ValidationError)
        assert "longer than any cell can be" in result.message_dict["file"][0]
        assert not ImportJob.objects.exists()

    def test_the_api_answers_400_naming_the_file(self, org, api_as):
        response = api_as(org.manager_a).post(
            "/api/leads/imports/",
            {"file": SimpleUploadedFile("leads.xlsx", hostile_workbook()), "kind": "leads"},
            format="multipart",
        )
        assert response.status_code == 400
        assert "save it as CSV" in response.json()["file"][0]

    def test_the_page_shows_the_message_next_to_the_file(self, org, client_as):
        response = client_as(org.manager_a).post(
            "/leads/imports/new/",
            {
                "file": SimpleUploadedFile("leads.xlsx", hostile_workbook()),
                "kind": "leads",
                "channel": "import",
            },
        )
        assert response.status_code == 200
        assert "longer than any cell can be" in response.context["form"].errors["file"][0]

    def test_a_stored_file_fails_its_run_within_the_memory_bound(self, org):
        """A file stored before the check (or swapped in storage) is refused by the worker
        too: the job fails with the message in its report."""
        job = ImportJob(original_name="leads.xlsx", kind="leads", created_by=org.manager_a.user)
        job.file.save("leads.xlsx", ContentFile(hostile_workbook()), save=False)
        job.save()
        grown, _result = peak_of(lambda: importing.import_job_run(job_id=job.pk))
        assert grown < MEMORY_BOUND, f"grew {grown // MB} MB"
        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert "longer than any cell can be" in job.error


@pytest.mark.parametrize(
    ("after", "opening", "padding", "closing"),
    [
        (b"</row>", b"", b" ", b""),  # blanks between rows
        (b"<t>", b"", b"9", b""),  # one cell's text, 8 MB long
        (b"</row>", b"<!--", b" <<", b"-->"),  # a comment full of "<"
        (b"</row>", b"<![CDATA[", b" <x", b"]]>"),  # CDATA
        (b'<row r="1"', b"", b' a="bbbbbbb"', b""),  # a tag with endless attributes
    ],
    ids=["blanks", "long text", "comment", "cdata", "long tag"],
)
def test_every_way_of_hiding_a_huge_run_in_the_xml_is_refused(
    org, after, opening, padding, closing
):
    content = padded_workbook(
        after=after, opening=opening, padding=padding, size=8 * MB, closing=closing
    )
    with (
        pytest.raises(import_files.FileRefused, match="cannot be imported"),
        import_files.open_table(io.BytesIO(content), "leads.xlsx"),
    ):
        pass


def test_too_many_shared_strings_are_refused_before_they_fill_the_memory(monkeypatch):
    monkeypatch.setattr(import_files, "XLSX_MAX_SHARED_STRINGS_BYTES", 64 * 1024)
    xml = "".join(f"<si><t>客户{k}</t></si>" for k in range(5000))
    source = io.BytesIO(
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{xml}</sst>'.encode()
    )
    with pytest.raises(import_files.FileRefused, match="too many different texts"):
        import_files._read_shared_strings(source)


def test_shared_strings_read_as_openpyxl_reads_them():
    xml = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>张三</t></si>"
        '<si><t xml:space="preserve"> 李 四 </t></si>'
        "<si><r><rPr><b/></rPr><t>王</t></r><r><t>五</t></r></si>"
        "<si><t>東京</t><rPh sb='0' eb='2'><t>トウキョウ</t></rPh></si>"
        "<si><t/></si>"
        "<si><t>a&amp;b &lt;c&gt;</t></si>"
        "</sst>"
    ).encode()
    ours = import_files._read_shared_strings(io.BytesIO(xml))
    assert ours == read_string_table(io.BytesIO(xml))
    assert ours == ["张三", " 李 四 ", "王五", "東京", "", "a&b <c>"]


def test_an_ordinary_workbook_still_imports(org):
    rows = [[f"客户{k}", f"139{k:08d}"] for k in range(300)]
    workbook = Workbook()
    workbook.active.append(["姓名", "手机"])
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    job = importing.import_job_create(
        file=SimpleUploadedFile("leads.xlsx", out.getvalue()), by=org.manager_a.user, start=False
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.total_rows) == (ImportJob.Status.DONE, 300, 300)
    assert Lead.objects.filter(name="客户7", phone="+8613900000007").exists()


class TestOneGiganticCsvLine:
    def content(self) -> bytes:
        # 40 MB (under the 50 MB upload limit) of short cells on a single line: read whole,
        # it was a 40 MB string and a list of 13 million cells.
        return "姓名,手机\n".encode() + b"ab," * (40 * MB // 3) + b"\n"

    def test_the_upload_is_refused_within_the_memory_bound(self, org):
        LeadPolicy.current()
        upload = SimpleUploadedFile("leads.csv", self.content())
        grown, result = peak_of(
            lambda: importing.import_job_create(file=upload, by=org.manager_a.user, start=False)
        )
        assert grown < MEMORY_BOUND, f"grew {grown // MB} MB"
        if isinstance(result, ValidationError):  # refused at the door when it is counted
            message = result.message_dict["file"][0]
        else:
            job = result
            grown, _ = peak_of(lambda: importing.import_job_run(job_id=job.pk))
            assert grown < MEMORY_BOUND, f"grew {grown // MB} MB"
            job.refresh_from_db()
            assert job.status == ImportJob.Status.FAILED
            message = job.error
        assert "Row 2 of this CSV file is longer than" in message

    def test_a_gigantic_header_is_refused_at_the_door(self, org):
        content = b"a," * (20 * MB // 2) + b"\n13800138000\n"
        with pytest.raises(ValidationError) as error:
            importing.import_job_create(
                file=SimpleUploadedFile("leads.csv", content), by=org.manager_a.user
            )
        assert "Row 1 of this CSV file is longer than" in error.value.message_dict["file"][0]


def test_a_sheet_under_another_name_is_checked_too():
    """The workbook's relationships may name the sheet `sheet1.dat`: the reader follows
    them, so the check does not go by the name."""
    content = padded_workbook(after=b"</row>", padding=b" ", size=8 * MB)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            name = item.filename
            if name == SHEET:
                name = "xl/worksheets/sheet1.dat"
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"sheet1.xml", b"sheet1.dat")
            target.writestr(name, data)
    with (
        pytest.raises(import_files.FileRefused, match="cannot be imported"),
        import_files.open_table(io.BytesIO(out.getvalue()), "leads.xlsx"),
    ):
        pass


def test_an_image_in_the_workbook_is_no_reason_to_refuse_it(org):
    content = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain_workbook())) as source,
        zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        # A flat picture: a megabyte without a "<" in it.
        target.writestr("xl/media/image1.bmp", b"BM" + b"\xff" * MB)
    with import_files.open_table(io.BytesIO(content.getvalue()), "leads.xlsx") as table:
        assert table.header == ["姓名", "手机"]
