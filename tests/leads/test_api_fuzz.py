"""Fuzz the lead API (`/api/leads/...`) from its own OpenAPI schema, as each role.

Like the org API's run (tests/crm/test_api_fuzz.py, whose checks live in tests/api_fuzz.py):
schemathesis generates requests for every lead operation, valid and invalid, and sends them
to the application in-process (WSGI) with the caller's API token, or with an inbound API key
for the two machine endpoints (`leads/inbound/` for web forms, `leads/calls/ingest/` for
phone systems). For every response:

* no server error (5xx), ever, writes included;
* the status code is documented, or is one of DRF's generic error answers;
* a documented response has the documented content type and body;
* the scope holds (`crm.access.visible_*`): a lead, pool lead, follow-up, call,
  assignment, import or do-not-call entry the caller may not see is absent from every list
  (whatever the filters say) and answers 404 (403 where the whole list is closed to the
  caller); a write that succeeds only names leads the caller could see; and what a role
  may not do (an agent reassigning, anyone but an admin editing or importing the
  do-not-call list, a head claiming) never succeeds.

The `lead_world` fixture gives the `org` rows to reach: leads owned by each agent, waiting
in team pools and the center's pool, closed and cooling off; their follow-ups, calls
(matched and not), assignment history, imports with their reports, do-not-call numbers,
campaigns, agents' extensions and two inbound keys. Path ids, foreign keys in bodies and
filters, and half of the phone numbers and extensions are mapped onto those rows (some in
the caller's scope, some not), so operations reach the services instead of stopping at
"not found" or "not a phone number".

An administrator's run has every phase (with the coverage phase); the others' runs are
examples and fuzzing. The two key endpoints do not depend on who the caller is, so only
the administrator's run sends them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import hypothesis
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import strategies as st
from rest_framework.test import APIClient

from crm import access
from crm.models import Member, Role, Team
from leads import access as leads_access
from leads.inbound_auth import HEADER, InboundKeyThrottle, inbound_key_issue
from leads.models import (
    Assignment,
    Call,
    Campaign,
    Channel,
    FollowUp,
    ImportJob,
    ImportRow,
    Lead,
    LeadStatus,
)
from leads.services.capture import scoring_rules_install_defaults
from leads.services.followups import disposition_rules_install_defaults
from risk import access as risk_access
from risk.models import DoNotCall
from tests.api_fuzz import (
    CHECKS,
    hypothesis_settings,
    listed_ids,
    load_schema,
    real_id,
    real_text,
    token_headers,
    wsgi_in_test_transaction,
)
from tests.leads.factories import (
    AssignmentFactory,
    CallFactory,
    CampaignFactory,
    DoNotCallFactory,
    FollowUpFactory,
    ImportJobFactory,
    ImportRowFactory,
    LeadFactory,
)

LEADS_API = r"^/api/leads/"
# Authenticated with an inbound key (X-Api-Key), not a user.
KEY_PATHS = {
    "/api/leads/inbound/": Channel.WEB_FORM,
    "/api/leads/calls/ingest/": Channel.INBOUND_CALL,
}

# The lead settings (rules, policy, campaigns, keys) have their own run with rows of their
# own: tests/crm/test_api_fuzz_settings.py.
LEAD_SETTINGS = (
    r"^/api/leads/(scoring-rules|routing-rules|disposition-rules|team-settings|"
    r"calling-windows|campaigns|inbound-keys|policy)/"
)
schema = load_schema(LEADS_API).exclude(path_regex=LEAD_SETTINGS)
schema_without_coverage = (
    load_schema(LEADS_API, coverage=False)
    .exclude(path_regex=r"^/api/leads/(inbound|calls/ingest)/$")
    .exclude(path_regex=LEAD_SETTINGS)
)

# Fuzzed examples per operation and role (the coverage phase adds its own cases); set so
# the whole file runs in well under three minutes on two cores.
HYPOTHESIS_ADMIN = hypothesis_settings(20)
HYPOTHESIS_STAFF = hypothesis_settings(12)

ROLES = {
    "admin": "admin",
    "department_head": "south_head",
    "team_manager": "manager_a",
    "agent": "agent_a1",
}
MODELS = {
    "leads": Lead,
    "pool": Lead,
    "followups": FollowUp,
    "calls": Call,
    "assignments": Assignment,
    "imports": ImportJob,
    "do_not_call": DoNotCall,
}
VISIBILITY = {
    "leads": leads_access.visible_leads,
    "pool": leads_access.visible_pool,
    "followups": leads_access.visible_followups,
    "calls": leads_access.visible_calls,
    "assignments": leads_access.visible_assignments,
    "imports": leads_access.visible_imports,
    "do_not_call": risk_access.visible_do_not_call,
}
# The first path segment after /api/leads/ → the rows a path (and its list) is about.
SEGMENTS = {
    "pool": "pool",
    "followups": "followups",
    "calls": "calls",
    "assignments": "assignments",
    "imports": "imports",
    "do-not-call": "do_not_call",
    "{id}": "leads",
    "": "leads",
}
# Request fields (bodies and query strings) that name rows, and which rows they name.
FOREIGN_KEYS = {
    "lead": "leads",
    "lead_ids": "leads",
    "call": "calls",
    "campaign": "campaigns",
    "team": "teams",
    "owner": "users",
    "agent": "users",
    "to_user": "users",
    "from_user": "users",
}
# Text fields that hold a phone number, an extension (`q` finds a lead by phone) or a time
# that must be recent or coming, and the texts to try there.
TEXT_KEYS = {
    "phone": "phones",
    "caller": "phones",
    "callee": "phones",
    "q": "phones",
    "extension": "extensions",
    "started_at": "past",
    "next_followup_at": "future",
}
# What a role may never do, whatever the request says: (method, path) pairs.
REFUSED = {
    "agent": {("POST", "/api/leads/assign/"), ("POST", "/api/leads/assignments/run/")},
    "department_head": {("POST", "/api/leads/{id}/claim/")},
}
ADMIN_ONLY = {
    ("POST", "/api/leads/do-not-call/"),
    ("DELETE", "/api/leads/do-not-call/{id}/"),
}


@dataclass
class Caller:
    role: str
    user: object
    headers: dict[str, str]
    key_headers: dict[str, dict[str, str]]
    sees_all: bool
    # The rows of each kind, those in scope first (and again among all of them), and the
    # texts to try (phones, extensions, recent and coming times).
    ids: dict[str, list[int]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture
def lead_world(org, monkeypatch):
    """Leads and the work on them, spread over the teams, the pools and the agents."""
    disposition_rules_install_defaults()
    scoring_rules_install_defaults()
    # The fuzz posts many times a minute with one key; the throttle is tested elsewhere.
    monkeypatch.setattr(InboundKeyThrottle, "rate", "100000/min")
    now = timezone.now()
    ads, fair = CampaignFactory(), CampaignFactory(channel=Channel.SOCIAL)
    for number, member in enumerate(
        (org.agent_a1, org.agent_a2, org.agent_b1, org.agent_c1, org.manager_a), start=801
    ):
        Member.objects.filter(pk=member.pk).update(extension=str(number))
    owned = {}
    for member, team in (
        (org.agent_a1, org.team_a),
        (org.agent_a2, org.team_a),
        (org.agent_b1, org.team_b),
        (org.agent_c1, org.team_c),
        (org.manager_a, org.team_a),
    ):
        user = member.user
        owned[member.pk] = [
            LeadFactory(owner=user, team=team, campaign=ads, grade="A"),
            LeadFactory(
                owner=user,
                team=team,
                status=LeadStatus.CONTACTED,
                next_followup_at=now + dt.timedelta(hours=3),
            ),
            LeadFactory(owner=user, team=team, status=LeadStatus.WON, closed_reason="成交"),
        ]
    LeadFactory(owner=org.agent_a1.user, team=org.team_a, cooloff_until=now + dt.timedelta(days=3))
    pools = [
        LeadFactory(team=org.team_a, grade="B", campaign=fair),
        LeadFactory(team=org.team_a, status=LeadStatus.CONTACTED),
        LeadFactory(team=org.team_b),
        LeadFactory(team=org.team_c),
        LeadFactory(),  # the center's pool
        LeadFactory(channel=Channel.WEB_FORM),
        LeadFactory(team=org.team_a, cooloff_until=now + dt.timedelta(days=2)),
    ]
    for leads in owned.values():
        first, second, closed = leads
        AssignmentFactory(lead=first)
        AssignmentFactory(lead=second, kind=Assignment.Kind.CLAIM)
        call = CallFactory(lead=first, external_id=f"cdr-{first.pk}", source="asterisk")
        FollowUpFactory(lead=first, call=call)
        FollowUpFactory(lead=second, disposition="call_back")
        FollowUpFactory(lead=closed, disposition="won")
        CallFactory(lead=second, direction=Call.Direction.INBOUND)
    AssignmentFactory(
        lead=pools[0],
        kind=Assignment.Kind.RELEASE,
        from_user=org.agent_a2.user,
        to_user=None,
    )
    CallFactory(lead=None, agent=None, caller="+8613900000001", callee="801")  # unmatched
    for creator in (org.agent_a1, org.manager_a, org.manager_c, org.admin):
        job = ImportJobFactory(created_by=creator.user, campaign=ads)
        ImportRowFactory(job=job, row_number=3)
        ImportRowFactory(job=job, row_number=4, outcome=ImportRow.Outcome.DUPLICATE, lead=pools[0])
    ImportJobFactory(created_by=org.manager_b.user, status=ImportJob.Status.PENDING)
    ImportJobFactory(
        created_by=org.admin.user, kind=ImportJob.Kind.DNC, status=ImportJob.Status.FAILED
    )
    DoNotCallFactory(added_by=org.admin.user)
    DoNotCallFactory(source=DoNotCall.Source.REGULATOR)
    # A pool lead whose number went on the list: phone follow-ups and captures refuse it.
    DoNotCallFactory(phone=pools[2].phone)
    return {
        "keys": {
            path: inbound_key_issue(name=path, channel=channel)[1]
            for path, channel in KEY_PATHS.items()
        }
    }


@pytest.fixture
def admin_caller(org, lead_world):
    with wsgi_in_test_transaction():
        yield _caller(org, lead_world, "admin")


@pytest.fixture(params=[role for role in ROLES if role != "admin"])
def staff_caller(request, org, lead_world):
    with wsgi_in_test_transaction():
        yield _caller(org, lead_world, request.param)


def _caller(org, world, role: str) -> Caller:
    member = getattr(org, ROLES[role])
    assert member.role == role
    user = member.user
    sees_all = access.scope_of(user).sees_all
    ids = {}
    for name, model in MODELS.items():
        everything = sorted(model.objects.values_list("pk", flat=True))
        visible = sorted(VISIBILITY[name](user).values_list("pk", flat=True))
        if not sees_all and name not in ("imports", "do_not_call"):
            # A scope that sees nothing, or everything, would make the checks vacuous.
            assert visible and set(visible) < set(everything), (role, name)
        # Rows in scope come up more often: writes need one to get past "not found".
        ids[name] = visible * 2 + everything
    access.forget_scope(user)
    phones = sorted(Lead.objects.values_list("phone", flat=True))
    phones += sorted(DoNotCall.objects.values_list("phone", flat=True))
    # Not known yet, in the ways people write them.
    phones += ["13812345678", "+86 139 1234 5678", "021-6212 3456", "0086 137 0000 9999"]
    now = timezone.now()
    hours = (1, 5, 30, 24 * 10)
    return Caller(
        role=role,
        user=user,
        headers=token_headers(user),
        key_headers={path: {HEADER: key} for path, key in world["keys"].items()},
        sees_all=sees_all,
        ids={
            **ids,
            # Those who take leads first: the agent of a reassignment gets past "not an agent".
            "users": sorted(
                Member.objects.filter(role__in=(Role.AGENT, Role.TEAM_MANAGER)).values_list(
                    "user_id", flat=True
                )
            )
            + sorted(Member.objects.values_list("user_id", flat=True)),
            "teams": sorted(Team.objects.values_list("pk", flat=True)),
            "campaigns": sorted(Campaign.objects.values_list("pk", flat=True)),
        },
        texts={
            "phones": phones,
            "extensions": sorted(
                Member.objects.exclude(extension="").values_list("extension", flat=True)
            ),
            "past": [_iso(now - dt.timedelta(hours=n)) for n in hours],
            "future": [_iso(now + dt.timedelta(hours=n)) for n in hours],
        },
    )


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _rows_of(path: str) -> str | None:
    """`/api/leads/{id}/claim/` -> "leads", `/api/leads/do-not-call/check/` -> "do_not_call",
    `/api/leads/assign/` -> None."""
    parts = path.strip("/").split("/")
    return SEGMENTS.get(parts[2] if len(parts) > 2 else "")


def _map(value, name: str, caller: Caller):
    if name in FOREIGN_KEYS:
        ids = caller.ids[FOREIGN_KEYS[name]]
        if isinstance(value, list):
            return [real_id(item, ids) for item in value]
        return real_id(value, ids)
    if name in TEXT_KEYS:
        return real_text(value, caller.texts[TEXT_KEYS[name]])
    return value


def _map_ids(case, caller: Caller) -> int | None:
    """Point path ids, the foreign keys of bodies and filters, and phone numbers at real rows
    (in scope or not). Returns the id in the path, if any."""
    for values in (case.body, case.query):
        if isinstance(values, dict):
            for name in values:
                values[name] = _map(values[name], name, caller)
    params = case.path_parameters or {}
    if "id" not in params:
        return None
    mapped = real_id(params["id"], caller.ids[_rows_of(case.operation.path)])
    params["id"] = mapped
    return mapped if isinstance(mapped, int) and mapped >= 0 else None


def _visible(caller: Caller, rows: str, ids) -> set[int]:
    return set(VISIBILITY[rows](caller.user).filter(pk__in=ids).values_list("pk", flat=True))


@dataclass
class Before:
    """What the caller could see before the request, of the rows it names."""

    path_rows: str | None = None
    path_id: int | None = None
    path_exists: bool = False
    path_visible: bool = False
    leads: set[int] = field(default_factory=set)
    visible_leads: set[int] = field(default_factory=set)


def _named_leads(case) -> set[int]:
    body = case.body if isinstance(case.body, dict) else {}
    named = body.get("lead_ids") if isinstance(body.get("lead_ids"), list) else [body.get("lead")]
    return {pk for pk in named if isinstance(pk, int) and not isinstance(pk, bool) and pk > 0}


def _before(case, caller: Caller, path_id: int | None) -> Before:
    before = Before()
    path = case.operation.path
    if path_id is not None and path_id < 2**63:
        rows = _rows_of(path)
        before.path_rows, before.path_id = rows, path_id
        before.path_exists = MODELS[rows].objects.filter(pk=path_id).exists()
        before.path_visible = bool(_visible(caller, rows, [path_id]))
        if path.endswith("/claim/"):  # a lead is claimed from the pool
            before.path_visible |= bool(_visible(caller, "pool", [path_id]))
    before.leads = {pk for pk in _named_leads(case) if pk < 2**63}
    before.visible_leads = _visible(caller, "leads", before.leads)
    return before


def check_scope(case, response, caller: Caller, before: Before) -> None:
    status = response.status_code
    method = case.method.upper()
    path = case.operation.path
    succeeded = 200 <= status < 300
    if succeeded and method != "GET":
        refused = REFUSED.get(caller.role, set()) | (set() if caller.sees_all else ADMIN_ONLY)
        assert (method, path) not in refused, f"a {caller.role} did {method} {path}: {status}"
        if path == "/api/leads/imports/" and caller.role != Role.ADMIN:
            assert response.json()["kind"] != "dnc", f"a {caller.role} imported do-not-call numbers"
    if caller.sees_all or path in KEY_PATHS:
        return
    if before.path_exists and not before.path_visible:
        rows = before.path_rows
        closed = not VISIBILITY[rows](caller.user).exists()
        allowed = {404, 403} if method != "GET" or closed else {404}
        assert status in allowed, (
            f"a {caller.role} got {status} for {rows} {before.path_id} outside their scope"
        )
    if succeeded and before.path_id is not None:
        assert before.path_visible, (
            f"a {caller.role} reached {before.path_rows} {before.path_id} outside their scope"
        )
    if succeeded and method == "POST":
        hidden = before.leads - before.visible_leads
        assert not hidden, f"a {caller.role} wrote to leads {sorted(hidden)} outside their scope"
    rows = _rows_of(path)
    if succeeded and method == "GET" and "{id}" not in path and rows is not None:
        shown = set(listed_ids(response.json()))
        hidden = shown - _visible(caller, rows, shown)
        assert not hidden, f"a {caller.role} was shown {rows} {sorted(hidden)}"


def exercise(case, caller: Caller) -> None:
    path_id = _map_ids(case, caller)
    before = _before(case, caller, path_id)
    headers = caller.key_headers.get(case.operation.path, caller.headers)
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    check_scope(case, response, caller, before)


@schema.parametrize()
@HYPOTHESIS_ADMIN
def test_lead_api_as_admin(case, admin_caller):
    exercise(case, admin_caller)


@schema_without_coverage.parametrize()
@HYPOTHESIS_STAFF
def test_lead_api_as_head_manager_and_agent(case, staff_caller):
    exercise(case, staff_caller)


# --- uploads ---------------------------------------------------------------------------------
# Schemathesis names a multipart file after its field ("file", no extension), so every
# import it posts stops at "only .csv and .xlsx". Uploads with real names and odd contents
# are fuzzed here with Hypothesis itself.

_CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["13800138000", "+86 139 1234 5678", "021-6212 3456", "5万", "高", "", "面议"]),
)
_CSV_TEXT = st.lists(st.lists(_CELLS, min_size=0, max_size=5), min_size=0, max_size=6).map(
    lambda rows: "\n".join(",".join(cell.replace(",", " ") for cell in row) for row in rows)
)
_CONTENTS = st.one_of(
    st.binary(max_size=300),
    _CSV_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass")),
    _CSV_TEXT.map(lambda text: text.encode("gb18030", "replace")),
    st.binary(max_size=200).map(lambda tail: b"PK\x03\x04" + tail),
    st.just(b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d,phone\n\xe5\xbc\xa0,13800138000\n"),
)
_FIELD_NAMES = st.sampled_from(["phone", "name", "company", "reason", "budget", "", "nope"])
_MAPPINGS = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.dictionaries(
        st.one_of(st.text(max_size=8), st.integers(-3, 50).map(str)),
        st.one_of(_FIELD_NAMES, st.none(), st.integers(), st.booleans()),
        max_size=4,
    ).map(json.dumps),
    st.sampled_from(["[]", "1", "null", '"phone"', '{"0": ["phone"]}', '{"0": {"a": 1}}']),
)


@hypothesis.given(
    name=st.sampled_from(["leads.csv", "名单.CSV", "book.xlsx", "old.xls", "notes.txt", ".csv"]),
    content=_CONTENTS,
    mapping=_MAPPINGS,
    kind=st.sampled_from(["leads", "dnc", "other"]),
    channel=st.sampled_from([*Channel.values, "nope"]),
)
@hypothesis_settings(60)
def test_uploading_any_file_is_an_import_or_a_400(
    org, api_as, name, content, mapping, kind, channel
):
    data = {"file": SimpleUploadedFile(name, content), "kind": kind, "channel": channel}
    if mapping is not None:
        data["mapping"] = mapping
    jobs = ImportJob.objects.count()
    response = api_as(org.admin).post("/api/leads/imports/", data, format="multipart")
    assert response.status_code in (201, 400), (response.status_code, response.content)
    body = response.json()
    assert isinstance(body, dict) and body
    if response.status_code == 201:
        assert ImportJob.objects.filter(pk=body["id"], original_name=name).exists()
    else:  # nothing half-written
        assert ImportJob.objects.count() == jobs


# --- what the fuzzing found, pinned -------------------------------------------------------


def _schema_component(api, name: str) -> dict:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    return schema["components"]["schemas"][name]["properties"]


def test_what_a_lead_may_lack_is_documented_as_null_or_empty(org, api_as):
    """A lead in the center's pool has no team, no campaign and no email; a call no
    recording; an assignment no rule: the answers say null or "", as the schema does."""
    disposition_rules_install_defaults()
    lead = LeadFactory()
    call = CallFactory(lead=LeadFactory(owner=org.agent_a1.user, team=org.team_a))
    FollowUpFactory(lead=call.lead, call=None)
    assignment = AssignmentFactory(lead=call.lead)
    api = api_as(org.admin)

    body = api.get(f"/api/leads/{lead.pk}/").json()
    assert (body["team_name"], body["campaign_name"], body["email"]) == (None, None, "")
    assert api.get("/api/leads/pool/").json()["results"][0]["team_name"] is None
    listed = api.get(f"/api/leads/followups/?lead={call.lead.pk}").json()["results"]
    assert listed[0]["call_duration_seconds"] is None
    assert api.get(f"/api/leads/calls/{call.pk}/").json()["recording_url"] == ""
    assert api.get(f"/api/leads/assignments/{assignment.pk}/").json()["rule_name"] is None

    for component, name in [
        ("LeadList", "team_name"),
        ("Lead", "team_name"),
        ("Lead", "campaign_name"),
        ("PoolLead", "team_name"),
        ("FollowUp", "call_duration_seconds"),
        ("Assignment", "rule_name"),
    ]:
        assert _schema_component(api, component)[name].get("nullable"), (component, name)
    # "" is no `format: email` or `format: uri`, so those are plain strings.
    assert "format" not in _schema_component(api, "Lead")["email"]
    assert "format" not in _schema_component(api, "Call")["recording_url"]


def test_a_form_body_is_refused_as_json_and_a_huge_upload_form_is_a_json_400(org, api_as):
    """Request bodies are JSON (uploads multipart): a form body is a JSON 415. Django
    refuses a multipart body of more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields before the
    view runs; under /api/ that is a JSON 400 like every other, not an HTML page."""
    lead_ids = "&".join(f"lead_ids={n}" for n in range(1, 1200))
    api = api_as(org.manager_a)
    response = api.post(
        "/api/leads/assign/",
        f"{lead_ids}&agent={org.agent_a1.user.pk}&reason=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    response = api.post(
        "/api/leads/imports/",
        {f"field{n}": "x" for n in range(1200)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Bad request."}


@pytest.mark.parametrize(
    "started_at",
    [
        # Answered in Asia/Shanghai's local mean time (0001-01-02T08:05:43+08:05:43), which
        # is no RFC 3339 date-time: the answer broke the schema.
        "0001-01-02T00:00:00Z",
        "0371-11-11T14:21:11-16:45",
        "1999-12-31T23:59:59Z",
    ],
)
def test_a_call_that_started_before_2000_is_a_400_naming_started_at(org, api_as, started_at):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    _key, plaintext = inbound_key_issue(name="pbx", channel=Channel.INBOUND_CALL)
    api = api_as(org.agent_a1)
    logged = api.post(
        "/api/leads/calls/",
        {"lead": lead.pk, "started_at": started_at, "duration_seconds": 30},
        format="json",
    )
    posted = APIClient().post(
        "/api/leads/calls/ingest/",
        {"caller": "801", "callee": lead.phone, "started_at": started_at, "duration_seconds": 30},
        format="json",
        headers={HEADER: plaintext},
    )
    for response in (logged, posted):
        assert response.status_code == 400, response.content
        assert "started_at" in response.json()
    assert not Call.objects.exists()
    assert api.get("/api/leads/calls/").status_code == 200


@pytest.mark.parametrize(
    "url, names",
    [
        ("/api/leads/", ("created_after", "created_before")),
        ("/api/leads/followups/", ("created_after", "created_before")),
        ("/api/leads/calls/", ("started_after", "started_before")),
    ],
)
@pytest.mark.parametrize(
    "at, status",
    [
        ("2030-01-01T00:00:00-19:10", 200),  # valid ISO 8601; PostgreSQL refuses the offset
        ("2030-01-01T00:00:00+23:59", 200),
        ("9999-12-31T23:00:00-19:10", 400),  # after the calendar's end once in UTC
        ("0001-01-01T00:00:00+19:10", 400),  # before its start
        ("0001-01-01T00:00:00", 400),  # local time, before the start in UTC
    ],
)
def test_date_time_filters_accept_any_utc_offset(org, api_as, url, names, at, status):
    api = api_as(org.admin)
    for name in names:
        response = api.get(url, {name: at})
        assert response.status_code == status, (name, response.content)
        if status == 400:
            assert name in response.json()
