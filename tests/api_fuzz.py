"""What the API fuzz runs share (`tests/crm/test_api_fuzz.py`, `tests/leads/test_api_fuzz.py`).

Schemathesis reads the schema (`/api/schema/`) of the in-process WSGI application and sends
its requests straight to it, inside the test's transaction. The checks every answer must
pass are `CHECKS`; each app's fuzz file adds its own scope checks and maps the ids it
generates onto the rows of its fixtures.
"""

from __future__ import annotations

import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm import access
from crm.models import Role

APP = get_wsgi_application()

# What DRF answers when a request is refused before any view logic: the schema (drf-spectacular's
# default) documents only the successful response of each operation, so these are not listed
# there. They must still be JSON objects, like every other answer of the API.
GENERIC_API_ERRORS = {400, 401, 403, 404, 405, 406, 415, 429}


def load_schema(path_regex: str, *, coverage: bool = True):
    """The operations of `/api/schema/` whose path matches `path_regex`.

    An administrator may do everything, so their run has every phase: the schema's
    examples, the coverage phase (boundary values, missing and malformed fields, for each
    parameter) and random fuzzing. Other roles are refused many writes before the body is
    read, and the coverage phase's hundreds of bodies per write would mostly repeat that
    refusal, so their runs leave it out (`coverage=False`): examples and fuzzing, still
    valid and invalid data, reads and writes.
    """
    config = {} if coverage else {"phases": {"coverage": {"enabled": False}}}
    loaded = schemathesis.openapi.from_wsgi(
        "/api/schema/", APP, config=schemathesis.Config.from_dict(config)
    )
    return loaded.include(path_regex=path_regex)


def hypothesis_settings(max_examples: int) -> hypothesis.settings:
    """Fuzzed examples per operation and role (the coverage phase adds its own cases).

    `FUZZ_EXAMPLES` (the environment) replaces every file's own number: `make fuzz` sets it
    for the long run; `make test` leaves it unset for the short one.
    """
    return hypothesis.settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES") or max_examples),
        deadline=None,
        database=None,  # nothing written to .hypothesis/
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # fixtures are set up once per operation
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


@contextmanager
def wsgi_in_test_transaction():
    """Keep the test's connection (and transaction) across requests sent straight to WSGI.

    Django closes "old" connections when a request starts and finishes; inside the test's
    transaction that would break it. Its own test client disconnects the same receivers.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def token_headers(user) -> dict[str, str]:
    """Token auth: no CSRF, so writes really reach the views."""
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@schemathesis.check
def documented_or_api_error(ctx, response, case):
    """`status_code_conformance`, except that DRF's generic errors may be undocumented."""
    if response.status_code in GENERIC_API_ERRORS:
        body = response.json()
        assert isinstance(body, dict | list) and body, f"{response.status_code}: {body!r}"
        return None
    return status_code_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    documented_or_api_error,
    content_type_conformance,
    response_schema_conformance,
]


def real_id(generated, ids: list[int]):
    """Most generated integers become one of `ids`; the odd one stays (a missing row)."""
    if not isinstance(generated, int) or isinstance(generated, bool):
        return generated
    pick = generated % (len(ids) + 1)
    return ids[pick] if pick < len(ids) else generated


def real_text(generated, texts: list[str]):
    """Like `real_id` for strings (phone numbers, extensions): about half of the generated
    strings become one of `texts`, chosen by a stable hash; the rest stay as generated."""
    if not isinstance(generated, str) or not texts:
        return generated
    pick = zlib.crc32(generated.encode("utf-8", "surrogatepass")) % (2 * len(texts))
    return texts[pick] if pick < len(texts) else generated


def listed_ids(body) -> list[int]:
    rows = body.get("results") if isinstance(body, dict) else body
    if not isinstance(rows, list):
        return []
    return [row["id"] for row in rows if isinstance(row, dict) and "id" in row]


# --- one app's rows as a caller sees them -----------------------------------------------------


@dataclass
class Caller:
    role: str
    user: object
    headers: dict[str, str]
    sees_all: bool
    ids: dict[str, list[int]] = field(default_factory=dict)


def scoped_caller(user, role: str, *, models: dict, visibility: dict) -> Caller:
    """A caller with its token, and for each kind of row the ids generated ids map onto:
    the visible ones twice as often as the rest."""
    caller = Caller(role, user, token_headers(user), access.scope_of(user).sees_all)
    for name, model in models.items():
        everything = sorted(model.objects.values_list("pk", flat=True))
        visible = sorted(visibility[name](user).values_list("pk", flat=True))
        caller.ids[name] = visible * 2 + everything
    return caller


def exercise_scoped(
    case,
    caller: Caller,
    *,
    rows: str,
    models: dict,
    visibility: dict,
    foreign_keys: dict,
    admin_only: str | None = None,
    unlisted: tuple[str, ...] = (),
) -> None:
    """Send `case` as `caller` with its ids mapped onto real rows, check the answer against
    `CHECKS`, and the scope: a row the caller may not see answers 404 (403 for a write), a
    list shows none (except the `unlisted` kinds), and only admins write `admin_only`."""
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in list(values):
                if name in foreign_keys:
                    values[name] = real_id(values[name], caller.ids[foreign_keys[name]])
    path_id = None
    params = case.path_parameters or {}
    if "id" in params:
        params["id"] = path_id = real_id(params["id"], caller.ids[rows])
    exists = visible = False
    if isinstance(path_id, int) and 0 <= path_id < 2**63:
        exists = models[rows].objects.filter(pk=path_id).exists()
        visible = visibility[rows](caller.user).filter(pk=path_id).exists()
    response = case.call(headers=caller.headers)
    case.validate_response(response, checks=CHECKS, headers=caller.headers)
    method = case.method.upper()
    status = response.status_code
    succeeded = 200 <= status < 300
    if succeeded and method != "GET" and rows == admin_only:
        assert caller.role == Role.ADMIN, f"a {caller.role} changed {rows}"
    if caller.sees_all:
        return
    if exists and not visible:
        assert status in ({404} if method == "GET" else {403, 404}), (caller.role, status, path_id)
    if succeeded and method == "GET" and path_id is None and rows not in unlisted:
        shown = set(listed_ids(response.json()))
        hidden = shown - set(
            visibility[rows](caller.user).filter(pk__in=shown).values_list("pk", flat=True)
        )
        assert not hidden, f"a {caller.role} was shown {rows} {sorted(hidden)}"
