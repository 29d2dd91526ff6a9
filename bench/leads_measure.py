"""Lead measurements: the agent's worklist, the lead API, phone search and the lead jobs.

Targets are the issue's: pages and list APIs ≤ 30 ms median, search by exact phone
≤ 10 ms; assigning 100,000 new leads ≤ 15 s; importing a 100,000-row CSV (10% duplicates)
≤ 10 s in < 300 MB; the reclaim sweep over all leads ≤ 10 s.

The actors are the ones the leads step gave leads to (bench/leads.py): the first of its
owners (about 5,000 leads) and the manager of its first team.
"""

from __future__ import annotations

import csv
import io
import random
from importlib import import_module
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from leads.models import Channel, Lead, LeadStatus, RoutingRule

from . import org
from .bulk import copy_rows
from .config import Size
from .leads import FRESH, GENERATED, IMPORTED, lead_owners, lead_teams, phone_for
from .measure import CENTER_HEAD, Job, Measurement, NotAvailable

User = get_user_model()
ASSIGN_LEADS = 100_000
FRESH_FIELDS = (
    "id", "name", "phone", "is_mobile", "company", "region", "email", "wechat", "notes",
    "product", "intent", "timeline", "channel", "score", "grade", "score_details", "status",
    "closed_reason", "followup_count", "missed_calls", "created_at", "updated_at",
)  # fmt: skip
IMPORT_ROWS = 100_000


def _size() -> Size:
    return Size.from_env()


def lead_agent():
    owners = lead_owners(_size())
    if not owners:
        raise LookupError("no lead owners: generate the leads step first")
    return owners[0].user


def lead_manager():
    team = lead_teams(_size())[0]
    if team.manager is None:
        raise LookupError(f"team {team} has no manager")
    return team.manager


lead_agent.__name__ = "first lead owner"
lead_manager.__name__ = "manager of the first lead team"


def phone_search_path() -> str:
    """One of the agent's leads, searched as a person types it: `138 0013 8000`."""
    lead = Lead.objects.filter(owner=lead_agent()).order_by("pk").first()
    if lead is None:
        raise NotAvailable("the agent owns no lead")
    national = lead.phone[3:]
    written = f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"/api/leads/?q={quote(written)}"


def _service(module: str, name: str):
    function = getattr(import_module(f"leads.services.{module}"), name, None)
    if function is None:
        raise NotAvailable(f"leads.services.{module}.{name} missing")
    return function


# --- assigning 100,000 fresh leads ------------------------------------------------------------


def _fresh_leads() -> int:
    """COPY 100,000 new, unowned, team-less leads whose region and product match the rules."""
    assign = _service("assignment", "assign_pending_leads")
    rules = list(RoutingRule.objects.filter(is_active=True).values_list("region", "product"))
    if not rules:
        raise NotAvailable("no routing rules: generate the leads step first")
    first = (Lead.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    rng = random.Random(7)
    now = timezone.now()

    def rows():
        for k in range(ASSIGN_LEADS):
            region, product = rng.choice(rules)
            yield (
                first + k, f"新客户{k}", phone_for(FRESH + k), True, "", region, "", "", "",
                product, "unknown", "", Channel.WEB_FORM, 0, "D", [], LeadStatus.NEW, "",
                0, 0, now, now,
            )  # fmt: skip

    copy_rows(Lead, FRESH_FIELDS, rows())
    return assign


def _assign(assign) -> str:
    handled = assign()
    return f"{handled:,} of {ASSIGN_LEADS:,} new leads routed"


# --- importing a 100,000-row CSV ------------------------------------------------------------


def _import_file():
    """A CSV as exported from another CRM: phones in every written form, 10% duplicates
    (7% of leads already in the database, 3% repeated within the file)."""
    create = _service("importing", "import_job_create")
    run = _service("importing", "import_job_run")
    rng = random.Random(11)
    existing = Lead.objects.count()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机", "公司", "地区", "意向产品", "备注"])
    written_new: list[str] = []
    for k in range(IMPORT_ROWS):
        draw = rng.random()
        if draw < 0.07 and existing:
            phone = phone_for(GENERATED + rng.randrange(existing))
        elif draw < 0.10 and written_new:
            phone = rng.choice(written_new)
        else:
            phone = phone_for(IMPORTED + k)
            written_new.append(phone)
        writer.writerow(
            [
                f"客户{k}",
                _written(phone, rng),
                f"导入测试{k % 997}有限公司",
                rng.choice(["上海", "江苏", "浙江", "广东", "福建"]),
                rng.choice(["企业宽带", "云服务器", "财税代账", "商标注册"]),
                "展会名单",
            ]
        )
    content = out.getvalue().encode("utf-8")
    admin = User.objects.get(username=org.ADMIN)
    return create, run, admin, content


def _written(e164: str, rng: random.Random) -> str:
    national = e164[3:]
    forms = (
        f"{national[:3]} {national[3:7]} {national[7:]}",
        f"+86-{national[:3]}-{national[3:7]}-{national[7:]}",
        f"0086{national}",
        national,
        national.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    )
    return rng.choice(forms)


def _import(prepared) -> str:
    create, run, admin, content = prepared
    upload = SimpleUploadedFile("bench-import.csv", content, content_type="text/csv")
    job = create(file=upload, by=admin, kind="leads", channel=Channel.IMPORT)
    report = run(job_id=job.pk)
    job.file.delete(save=False)
    keys = ("created", "duplicates", "rejected")
    counts = {key: report.get(key) for key in keys if key in report} or report
    return ", ".join(f"{key} {value:,}" for key, value in counts.items())


# --- the reclaim sweep --------------------------------------------------------------------------


def _reclaim(reclaim) -> str:
    result = reclaim()
    return ", ".join(f"{key} {value:,}" for key, value in result.items() if isinstance(value, int))


AGENT, MANAGER = lead_agent, lead_manager
MEASUREMENTS: list[Measurement | Job] = [
    Measurement("leads worklist / agent", "/leads/", AGENT, target_ms=30),
    Measurement("api leads / agent", "/api/leads/", AGENT, target_ms=15),
    Measurement("api leads / team manager", "/api/leads/", MANAGER, target_ms=15),
    Measurement("api leads phone search / agent", phone_search_path, AGENT, target_ms=10),
    Measurement(
        "api leads phone search / center head", phone_search_path, CENTER_HEAD, target_ms=10
    ),
    Job("job: assign 100,000 new leads", _fresh_leads, _assign, target_s=10),
    Job(
        "job: import 100,000-row CSV",
        _import_file,
        _import,
        target_s=8,
        max_peak_mb=300,
    ),
    Job(
        "job: reclaim sweep over all leads",
        lambda: _service("pool", "reclaim_stale_leads"),
        _reclaim,
        target_s=10,
    ),
]
