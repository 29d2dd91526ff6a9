"""Hostile uploads: a zip bomb named .xlsx, files lying about their type, CSV formulas."""

import csv
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from leads.models import ImportJob, Lead
from leads.services import importing
from leads.services.import_files import FileRefused, open_table
from training.uploads import check_material

HEADER = ["姓名", "手机", "公司", "地区", "备注"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def workbook_bytes(rows=(("张三", "13800138000", "", "", ""),)) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb(unpacked_mb: int) -> bytes:
    """A real workbook plus one member of zeros that deflates ~1000:1."""
    out = io.BytesIO(workbook_bytes())
    block = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/padding.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(unpacked_mb):
            member.write(block)
    return out.getvalue()


def refuse(org, content: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as error:
        importing.import_job_create(
            file=SimpleUploadedFile(name, content), by=org.admin.user, start=False
        )
    assert not ImportJob.objects.exists()
    return error.value.message_dict["file"][0]


def test_the_default_cap_on_what_a_workbook_unpacks_to(settings):
    assert settings.IMPORT_XLSX_MAX_UNPACKED_BYTES == 512 * 1024 * 1024


def test_a_zip_bomb_xlsx_is_refused_before_it_is_unpacked(org, settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 8 * 1024 * 1024
    bomb = zip_bomb(40)
    assert len(bomb) < 200 * 1024  # small on disk, 40 MB unpacked
    message = refuse(org, bomb, "leads.xlsx")
    assert "unpacks to 40 MB" in message and "8 MB" in message


def test_a_workbook_under_the_cap_imports(org, settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_BYTES = 8 * 1024 * 1024
    job = importing.import_job_create(
        file=SimpleUploadedFile("leads.xlsx", zip_bomb(2)), by=org.manager_a.user, start=False
    )
    importing.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.created_count == 1


def test_a_workbook_damaged_after_its_header_is_refused_not_crashed():
    good = workbook_bytes([("某人", f"138{n:08d}", "x" * 30, "", "") for n in range(3000)])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut XML in the middle of the rows
            archive.writestr(info, data)
    out.seek(0)
    with (
        pytest.raises(FileRefused, match="damaged after row"),
        open_table(out, "leads.xlsx") as table,
    ):
        for _row in table.rows:
            pass


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        ("姓名,手机\n张三,13800138000\n".encode(), "leads.xlsx", ".xlsx"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "leads.xlsx", ".xlsx"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "leads.xlsx", ".xlsx"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "leads.csv", "web page"),
        (b"\xef\xbb\xbf<html><table><tr><td>1</td></tr></table>", "leads.csv", "web page"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00", "leads.csv", "program"),
        (b"%PDF-1.7 rest", "leads.csv", "binary"),
    ],
)
def test_a_file_that_lies_about_its_type_is_refused(org, content, name, words):
    assert words in refuse(org, content, name)


def test_formulas_are_imported_as_text_and_exported_harmless(org, client_as):
    hostile = {
        "name": '=HYPERLINK("http://evil.example","点我")',
        "company": "@SUM(1+1)*cmd|' /C calc'!A0",
        "region": "+1+1",
        "notes": "-2+3",
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerow(
        [hostile["name"], "13800138000", hostile["company"], hostile["region"], hostile["notes"]]
    )
    job = importing.import_job_create(
        file=SimpleUploadedFile("leads.csv", out.getvalue().encode()),
        by=org.manager_a.user,
        start=False,
    )
    importing.import_job_run(job_id=job.pk)
    lead = Lead.objects.get()
    for field, value in hostile.items():
        assert getattr(lead, field) == value, field  # stored as the plain text it was

    response = client_as(org.admin).get("/leads/team/export/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if hostile["name"] in "".join(r))
    for field in ("name", "company", "region"):
        assert "'" + hostile[field] in row, field
    assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@")], row


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("guide.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("deck.pptx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00"),
        ("sheet.xlsx", "姓名,手机\n张三,13800138000\n".encode()),
        ("photo.png", b"%PDF-1.4 not a picture"),
    ],
)
def test_training_materials_that_lie_about_their_type_are_refused(name, content):
    with pytest.raises(ValidationError) as error:
        check_material(SimpleUploadedFile(name, content))
    assert "does not match its name" in error.value.message_dict["file"][0]
