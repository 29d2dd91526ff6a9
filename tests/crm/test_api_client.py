"""The API schema is one a generated client can use.

`/api/schema/` passes openapi-spec-validator; a client generated from it by
openapi-python-client (into a temporary directory, imported from there) signs in for a
token, lists leads, records a follow-up and reads and marks notifications against the
live server. Each operation has one request body format (JSON; multipart for uploads
only) and no component name is doubled ("TokenRequestRequest").
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from crm.models import Notification
from leads.models import FollowUp
from tests.leads.factories import LeadFactory

PACKAGE = "crm_api_client"
UPLOADS = {("post", "/api/leads/imports/"), ("post", "/api/training/materials/")}


@pytest.fixture
def schema(org, api_as) -> dict:
    response = api_as(org.agent_a1).get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi(schema):
    validate(schema)


def test_request_bodies_are_json_but_for_uploads(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            expected = (
                ["multipart/form-data"] if (method, path) in UPLOADS else ["application/json"]
            )
            assert list(body["content"]) == expected, (method, path)


def test_no_component_name_is_doubled(schema):
    names = schema["components"]["schemas"]
    assert not [name for name in names if "RequestRequest" in name]
    assert "TokenRequest" in names and "Token" in names


def _generate(schema: dict, where: Path):
    """openapi-python-client's client for `schema`, imported from `where`."""
    (where / "schema.json").write_text(json.dumps(schema))
    # No post hooks: the generated code is imported as it is, not linted or formatted.
    (where / "config.json").write_text(
        json.dumps({"post_hooks": [], "package_name_override": PACKAGE})
    )
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(where / "schema.json"),
            "--config",
            str(where / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # A warning means an operation or a model was left out of the client. The one kind
    # allowed: a recording's audio stream (`audio/*`), which the generator leaves to the
    # caller (the operation is generated; its body is the raw bytes).
    output = done.stdout + done.stderr
    warnings = [
        block
        for block in output.split("WARNING")[1:]
        if "Unsupported content_type audio/*" not in block
    ]
    assert not warnings, output
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


def _operation(client_package, operation_id: str):
    """The generated module of an operation (`crm_api_client.api.<tag>.<operation id>`)."""
    api = importlib.import_module(f"{client_package.__name__}.api")
    for tag in pkgutil.iter_modules(api.__path__):
        module = f"{api.__name__}.{tag.name}.{operation_id}"
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no operation {operation_id} in the generated client")


def test_a_generated_client_signs_in_lists_leads_writes_a_follow_up_and_reads_notifications(
    transactional_db, org, schema, live_server, tmp_path
):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, name="王五")
    LeadFactory(owner=org.agent_b1.user, team=org.team_b)  # not theirs: not listed
    note = Notification.objects.create(
        user=org.agent_a1.user, kind="followup_due", key="k1", text="跟进提醒"
    )
    generated = _generate(schema, tmp_path)
    models = importlib.import_module(f"{PACKAGE}.models")
    try:
        anonymous = generated.Client(base_url=live_server.url)
        token = (
            _operation(generated, "auth_token_create")
            .sync(
                client=anonymous,
                body=models.TokenRequest(username="agent_a1", password="pass-word-123"),
            )
            .token
        )
        client = generated.AuthenticatedClient(
            base_url=live_server.url, token=token, prefix="Token"
        )

        leads = _operation(generated, "leads_list").sync(client=client)
        assert [row.id for row in leads.results] == [lead.pk]
        assert leads.results[0].name == "王五"

        written = _operation(generated, "leads_followups_create").sync_detailed(
            client=client,
            body=models.FollowUpCreateRequest.from_dict(
                {"lead": lead.pk, "channel": "wechat", "disposition": "interested"}
            ),
        )
        assert written.status_code == 201, written.content
        assert FollowUp.objects.get(lead=lead).disposition == "interested"

        # Bad input: a 400 naming the field, as the generated client receives it.
        refused = _operation(generated, "leads_followups_create").sync_detailed(
            client=client,
            body=models.FollowUpCreateRequest.from_dict(
                {"lead": 987654321, "channel": "wechat", "disposition": "interested"}
            ),
        )
        assert refused.status_code == 400 and "lead" in json.loads(refused.content)

        notifications = _operation(generated, "notifications_list").sync(client=client)
        assert [(row.id, row.is_read) for row in notifications.results] == [(note.pk, False)]
        read = _operation(generated, "notifications_read_create").sync(client=client, id=note.pk)
        assert read.is_read is True
        note.refresh_from_db()
        assert note.read_at is not None
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]
