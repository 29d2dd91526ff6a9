"""Logs: one request id per request (and the tasks it queues), no phone number or name.

* `RequestIdMiddleware` (first in MIDDLEWARE) takes the caller's `X-Request-ID` when it is
  sane (1–64 of `A-Z a-z 0-9 . _ : -`), else makes one; it answers with it in the same
  header and rewrites the request's header, so the audit trail (`risk.audit`) records the
  very same id. The id lives in a context variable for the request's duration.
* Celery: `before_task_publish` puts the current id into the task message's headers
  (`request_id`); `task_prerun` makes it current in the worker while the task runs, so
  the task's log lines carry the id of the request that queued it.
* `RequestIdFilter` adds `request_id` (and `task_id`, `task_name` in a worker) to every
  record; `RedactFilter` rewrites every record's message, arguments, extra string fields
  and traceback text: phone numbers become `[phone]` and the value of a name field
  (`name=`, `first_name=`, `customer=`, `姓名:` …) becomes `[name]`. See `redact()`.
* `logging_config(fmt)` is Django's LOGGING: `text` (the default, `make run`) or `json`
  (one JSON object per line, `LOG_FORMAT=json`, the production default).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_task: ContextVar[tuple[str, str]] = ContextVar("celery_task", default=("", ""))

HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def current_request_id() -> str:
    return _request_id.get()


def sane_request_id(value: str | None) -> str:
    """The caller's id when it is a plain token of 1–64 characters, else a new one."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _request_started(sender=None, environ=None, **kwargs) -> None:
    """The id is current from the start of the request to its end, Django's own
    `django.request` log lines (written after the middleware) included."""
    if environ is not None:
        environ["HTTP_X_REQUEST_ID"] = sane_request_id(environ.get("HTTP_X_REQUEST_ID"))
        _request_id.set(environ["HTTP_X_REQUEST_ID"])


def _request_finished(**kwargs) -> None:
    _request_id.set("")


class RequestIdMiddleware:
    """Gives every request one id: in the logs, the audit trail and the answer's header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Read from META (the environ, where `_request_started` left it), not from the
        # cached `request.headers`; the audit trail then reads this same id.
        request_id = sane_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.__dict__.pop("headers", None)
        request.request_id = request_id
        _request_id.set(request_id)  # cleared when the request finishes
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def connect_request_signals() -> None:
    from django.core import signals

    signals.request_started.connect(_request_started, weak=False)
    signals.request_finished.connect(_request_finished, weak=False)


# --- Celery: carry the id from the request to its tasks -----------------------------------


def _publish_with_request_id(sender=None, headers=None, **kwargs) -> None:
    request_id = _request_id.get()
    if request_id and headers is not None and not headers.get("request_id"):
        headers["request_id"] = request_id


# What was current before each running task: an eager task (run inside a request) must
# give the request its id back when it ends.
_before_task: dict[str, tuple[str, tuple[str, str]]] = {}


def _task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    _before_task[task_id or ""] = (_request_id.get(), _task.get())
    request_id = getattr(getattr(task, "request", None), "request_id", None) or ""
    _request_id.set(sane_request_id(request_id) if request_id else _request_id.get())
    _task.set((task_id or "", getattr(task, "name", "") or ""))


def _task_finished(sender=None, task_id=None, **kwargs) -> None:
    request_id, task = _before_task.pop(task_id or "", ("", ("", "")))
    _request_id.set(request_id)
    _task.set(task)


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_publish_with_request_id, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)


# --- filters -------------------------------------------------------------------------------

PHONE = "[phone]"
NAME = "[name]"
# E.164 (+ and 7 to 15 digits), then Chinese mobiles written plainly: 11 digits starting
# 13–19, optionally after 86/0086 and with spaces or dashes as 3-4-4 (`138 0013 8000`).
_PHONES = re.compile(
    r"\+\d{7,15}(?!\d)"
    r"|(?<![\d+])(?:(?:0086|86)[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)"
)
# A value after a field that names a person: `name=张三`, `first_name: 'Li'`, `"name": "x"`,
# `姓名：王五`. The value is a quoted string or everything up to a separator.
_NAME_FIELDS = (
    r"name|first_name|last_name|full_name|customer|customer_name|contact|contact_name"
    r"|姓名|客户姓名|客户名称|联系人"
)
_NAMES = re.compile(
    rf"""(?P<key>["']?\b(?:{_NAME_FIELDS})["']?\s*[=:：]\s*)"""
    r"""(?P<value>\[name\]|"[^"]*"|'[^']*'|[^\s,;&)}\]，；。、）】]+)""",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` without phone numbers and without the values of name fields."""
    if not text:
        return text
    text = _PHONES.sub(PHONE, text)
    return _NAMES.sub(lambda match: match.group("key") + NAME, text)


_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RedactFilter(logging.Filter):
    """Removes phone numbers and names from a record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Formatters (text and JSON) print exc_text when exc_info is gone.
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if key in _STANDARD or value is None or isinstance(value, bool | int | float):
                continue
            # Extras such as Django's `request` print with the path: keep them as text.
            setattr(record, key, redact(value if isinstance(value, str) else str(value)))
        return True


class RequestIdFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` to every record ("" when none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        task_id, task_name = _task.get()
        record.task_id = task_id
        record.task_name = task_name
        return True


def logging_config(fmt: str = "text", level: str = "INFO") -> dict:
    """Django's LOGGING for `fmt` "text" or "json"."""
    formatter = "json" if fmt == "json" else "text"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "crm.logging.RequestIdFilter"},
            "redact": {"()": "crm.logging.RedactFilter"},
        },
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s "
                "%(task_name)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",  # ISO 8601, UTC
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": formatter,
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"axes": {"level": "WARNING"}},
    }
