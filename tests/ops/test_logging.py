"""Logs: one request id per request (answer, audit trail, tasks), no phone numbers or names."""

import io
import json
import logging
import logging.config

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from crm import logging as crm_logging
from crm.celery import app as celery_app


@celery_app.task(name="tests.ops.current_request_id")
def current_request_id_task():
    logging.getLogger("tests.ops.task").warning("task for name=张三 at 13800138000")
    return crm_logging.current_request_id()


@pytest.fixture
def json_log():
    """The production logging (JSON, filters) writing to a buffer instead of stderr."""
    config = crm_logging.logging_config("json", "INFO")
    config["handlers"]["console"]["stream"] = buffer = io.StringIO()
    config["handlers"]["console"]["class"] = "logging.StreamHandler"
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    logging.config.dictConfig(config)
    try:
        yield buffer
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)


def lines(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call +8613800138000 now", "call [phone] now"),
        ("13800138000", "[phone]"),
        ("phone=138 0013 8000;", "phone=[phone];"),
        ("86-13800138000 and 0086 138-0013-8000", "[phone] and [phone]"),
        ("+12025550123 (US)", "[phone] (US)"),
        ("order 12345678 total 99.90", "order 12345678 total 99.90"),
        ("id 1380013800012 is no phone", "id 1380013800012 is no phone"),
        ("name=张三 phone ok", "name=[name] phone ok"),
        ("{'name': 'Li Lei', 'id': 3}", "{'name': [name], 'id': 3}"),
        ('{"first_name": "Wang", "x": 1}', '{"first_name": [name], "x": 1}'),
        ("客户姓名：王五，意向高", "客户姓名：[name]，意向高"),
        ("team_name=east", "team_name=east"),
    ],
)
def test_redact(text, expected):
    assert crm_logging.redact(text) == expected


def test_redact_is_idempotent():
    once = crm_logging.redact("name=李四 +8613912340945 customer: 'x y'")
    assert crm_logging.redact(once) == once


@pytest.mark.django_db
def test_a_request_log_line_has_the_request_id_and_no_phone(client, json_log):
    response = client.get("/no-such-page/13800138000/", HTTP_X_REQUEST_ID="req-abc-12345")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc-12345"
    records = [r for r in lines(json_log) if r["logger"] == "django.request"]
    assert records, json_log.getvalue()
    record = records[0]
    assert record["request_id"] == "req-abc-12345"
    assert record["level"] == "WARNING"
    assert "13800138000" not in json_log.getvalue()
    assert "[phone]" in record["message"]


@pytest.mark.django_db
def test_a_missing_or_insane_request_id_is_replaced(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    for insane in ("", "x" * 65, "has space in it", "semi;colon;here", "<script>"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert answered != insane and len(answered) == 32


def test_the_audit_trail_records_the_same_request_id():
    from risk.audit import AuditMiddleware, _request_meta

    seen = {}

    def view(request):
        seen["audit"], _address = _request_meta()
        seen["log"] = crm_logging.current_request_id()
        return HttpResponse()

    chain = crm_logging.RequestIdMiddleware(AuditMiddleware(view))
    response = chain(RequestFactory().get("/", HTTP_X_REQUEST_ID="bad id with spaces"))
    assert seen["audit"] == seen["log"] == response["X-Request-ID"]
    crm_logging._request_finished()
    assert crm_logging.current_request_id() == ""


def test_exceptions_and_extra_fields_are_redacted(json_log):
    logger = logging.getLogger("tests.ops")
    try:
        raise ValueError("duplicate phone +8613800138000")
    except ValueError:
        logger.exception("import failed for %s", "13912340945", extra={"who": "name=赵六"})
    text = json_log.getvalue()
    assert "13800138000" not in text and "13912340945" not in text and "赵六" not in text
    record = lines(json_log)[0]
    assert record["message"] == "import failed for [phone]"
    assert record["who"] == "name=[name]"
    assert "[phone]" in record["exc_info"]


def test_the_text_format_carries_the_request_id():
    config = crm_logging.logging_config("text")
    assert "%(request_id)s" in config["formatters"]["text"]["format"]
    assert config["handlers"]["console"]["filters"] == ["request_id", "redact"]


def test_publishing_a_task_passes_the_request_id():
    headers = {}
    token = crm_logging._request_id.set("req-publish-1")
    try:
        crm_logging._publish_with_request_id(headers=headers)
    finally:
        crm_logging._request_id.reset(token)
    assert headers == {"request_id": "req-publish-1"}


def test_a_task_runs_with_the_request_id_of_the_request_that_queued_it(celery_worker, json_log):
    token = crm_logging._request_id.set("req-task-0001")
    try:
        result = current_request_id_task.delay()
    finally:
        crm_logging._request_id.reset(token)
    assert result.get(timeout=20) == "req-task-0001"
    records = [r for r in lines(json_log) if r["logger"] == "tests.ops.task"]
    assert records and records[0]["request_id"] == "req-task-0001"
    assert records[0]["task_name"] == "tests.ops.current_request_id"
    assert records[0]["message"] == "task for name=[name] at [phone]"


def test_an_eager_task_keeps_and_gives_back_the_request_id(settings):
    token = crm_logging._request_id.set("req-eager-01")
    try:
        result = current_request_id_task.apply()
        assert result.get() == "req-eager-01"
        assert crm_logging.current_request_id() == "req-eager-01"
    finally:
        crm_logging._request_id.reset(token)
