"""`make run` as a small center runs it: safe without any configuration (issue 20)."""

from __future__ import annotations

import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import translation

from crm import errors
from crm.models import Member, Role
from tests.ops.test_settings import settings_of

REPO = Path(__file__).resolve().parents[2]


def _local(tmp_path, **values):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return settings_of(
        "crm.settings.local",
        ENV_FILE=str(empty),
        REDIS_URL="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        **values,
    )


def test_the_local_center_runs_without_debug_and_keeps_one_secret_key(tmp_path):
    first = _local(tmp_path, SECRET_KEY="", DEBUG="")
    again = _local(tmp_path, SECRET_KEY="", DEBUG="")
    assert first["debug"] is False
    assert len(first["secret_key"]) >= 50
    assert first["secret_key"] == again["secret_key"]
    kept = REPO / "var" / "secret-key"
    assert kept.read_text().strip() == first["secret_key"]
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first["demo_mode"] is True


def test_debug_and_the_key_come_from_the_environment_when_given(tmp_path):
    configured = _local(tmp_path, SECRET_KEY="k" * 60, DEBUG="1", DEMO="0")
    assert configured["debug"] is True
    assert configured["secret_key"] == "k" * 60
    assert configured["demo_mode"] is False


def test_run_serves_through_gunicorn_and_can_start_empty():
    script = (REPO / "bin" / "run").read_text()
    assert "gunicorn -c crm/gunicorn.conf.py" in script
    assert "runserver" not in script
    assert 'DEMO" = "0"' in script and "start_empty" in script


@pytest.mark.django_db
def test_start_empty_makes_one_administrator_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("start_empty", stdout=out)
    admin = Member.objects.select_related("user").get()
    assert admin.role == Role.ADMIN and admin.user.is_active
    password = (tmp_path / "first-admin-password").read_text().strip()
    assert admin.user.check_password(password)
    assert password in out.getvalue()
    assert stat.S_IMODE((tmp_path / "first-admin-password").stat().st_mode) == 0o600
    call_command("start_empty", stdout=StringIO())
    assert get_user_model().objects.count() == 1


def test_the_server_error_page_is_translated(settings):
    request = RequestFactory().get("/leads/")
    with translation.override("zh-hans"):
        response = errors.server_error(request)
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


@pytest.mark.django_db
def test_a_missing_page_is_the_translated_page_not_the_debug_page(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    body = response.content.decode()
    assert "该页面不存在" in body and "Traceback" not in body and "URLconf" not in body
