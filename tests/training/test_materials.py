"""Course materials: checked by content, stored under a random name, served only to staff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.training import samples
from tests.training.factories import CourseFactory
from training.models import Material

pytestmark = pytest.mark.django_db

PDF = samples.pdf()
PNG = samples.png()
office = samples.office


def upload(client, course, name: str, content: bytes):
    return client.post(
        f"/training/courses/{course.pk}/materials/",
        {"file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("制度.pdf", PDF, "application/pdf"),
        ("产品手册.docx", office("word/document.xml"), "wordprocessingml"),
        ("资费.xlsx", office("xl/workbook.xml"), "spreadsheetml"),
        ("培训.pptx", office("ppt/presentation.xml"), "presentationml"),
        ("截图.PNG", PNG, "image/png"),
        ("照片.jpg", samples.jpg(), "image/jpeg"),
        ("录像.mp4", samples.mp4(), "video/mp4"),
        ("话术.txt", "您好，我是小王。".encode(), "text/plain"),
    ],
)
def test_allowed_files_are_stored_under_a_random_name(org, client_as, name, content, content_type):
    course = CourseFactory()
    response = upload(client_as(org.admin), course, name, content)
    assert response.status_code == 302, response.content.decode()[:500]
    material = Material.objects.get()
    assert material.original_name == name and material.size == len(content)
    assert content_type in material.content_type
    assert material.file.name.startswith("training/") and name not in material.file.name
    with material.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("病毒.exe", b"MZ\x90\x00", "cannot be uploaded"),
        ("页面.html", b"<script>alert(1)</script>", "cannot be uploaded"),
        ("假的.pdf", b"MZ\x90\x00this is a program", "does not match"),  # lying extension
        ("假的.docx", office("xl/workbook.xml"), "does not match"),  # a workbook, not a doc
        ("假的.png", PDF, "does not match"),
        ("二进制.txt", b"\x00\x01\x02binary", "does not match"),
        ("空的.pdf", b"", "empty"),
        # The first bytes of the kind, the rest something else (a program, garbage).
        ("程序.pdf", b"%PDF-1.7\n" + b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "does not match"),
        ("伪装.pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "does not match"),
        ("截断.png", PNG[:-6], "does not match"),
        ("坏块.png", PNG[:20] + b"\x07" + PNG[21:], "does not match"),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "does not match"),
        ("录像.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, "does not match"),
        ("半截.docx", office("word/document.xml")[:-30], "does not match"),
        ("文本.txt", "您好".encode() + b"\xff\xfe" + b"x" * 9000, "does not match"),
        # Office zips zipfile cannot read whole: a password, an unknown compression method,
        # or far more inside than the file's size (a zip bomb).
        ("加密.docx", samples.office_patched("word/document.xml", flags=0x1), "does not match"),
        ("怪压缩.xlsx", samples.office_patched("xl/workbook.xml", method=99), "does not match"),
        (
            "炸弹.pptx",
            samples.office_bomb("ppt/presentation.xml", inflated=4_000_000),
            "does not match",
        ),
    ],
)
def test_bad_files_are_refused_with_a_clear_form_error(org, client_as, name, content, message):
    course = CourseFactory()
    response = upload(client_as(org.admin), course, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Material.objects.exists()


def test_a_file_over_the_limit_is_refused_in_the_page_and_the_api(org, client_as, api_as, settings):
    settings.TRAINING_MATERIAL_MAX_BYTES = 1024
    course = CourseFactory()
    big = PDF + b"0" * 2000
    response = upload(client_as(org.admin), course, "大.pdf", big)
    assert response.status_code == 400 and "too large" in response.content.decode()
    api = api_as(org.admin)
    answer = api.post(
        "/api/training/materials/",
        {"course": course.pk, "file": SimpleUploadedFile("大.pdf", big)},
        format="multipart",
    )
    assert answer.status_code == 400 and "too large" in answer.json()["file"][0]
    lying = api.post(
        "/api/training/materials/",
        {"course": course.pk, "file": SimpleUploadedFile("a.pdf", b"GIF89a....")},
        format="multipart",
    )
    assert lying.status_code == 400 and "file" in lying.json()
    assert not Material.objects.exists()


def test_only_admins_upload(org, client_as, api_as):
    course = CourseFactory()
    assert upload(client_as(org.manager_a), course, "a.pdf", PDF).status_code == 403
    answer = api_as(org.manager_a).post(
        "/api/training/materials/",
        {"course": course.pk, "file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert answer.status_code == 403
    assert not Material.objects.exists()


def test_download_only_for_signed_in_staff_who_see_the_course(org, client_as):
    course = CourseFactory()
    upload(client_as(org.admin), course, "制度.pdf", PDF)
    material = Material.objects.get()
    url = f"/training/materials/{material.pk}/download/"

    response = client_as(org.agent_c1).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"

    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    # Not as public media either: MEDIA_URL serves nothing.
    assert Client().get(f"/media/{material.file.name}").status_code == 404

    course.active = False  # a retired course's files: administrators only
    course.save()
    assert client_as(org.agent_c1).get(url).status_code == 404
    assert client_as(org.admin).get(url).status_code == 200


def test_a_user_without_a_member_profile_gets_nothing(org, django_user_model):
    course = CourseFactory()
    material = Material.objects.create(
        course=course, file="training/x.pdf", original_name="x.pdf", size=1, content_type="a/b"
    )
    stranger = django_user_model.objects.create_user("stranger", password="pass-word-123")
    client = Client()
    client.force_login(stranger)
    assert client.get(f"/training/materials/{material.pk}/download/").status_code == 403
