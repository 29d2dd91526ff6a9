"""Recordings: who may hear a call, byte ranges, the playback log, retention.

Given calls with recordings (in the center's storage, or at the phone system), when people
of each role open them, then the agent hears their own, the manager their team's, the head
their subtree's, inspectors and admins all; everyone else gets a 404 like a missing call;
each playback is logged once; recordings past the admin's period are deleted nightly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from calling.models import Recording, RecordingPlayback
from calling.retention import KINDS
from risk.services import apply_retention, retention_policy_set
from tests.calling.fake_phone import WAV, FakePhoneSystem
from tests.calling.test_phone import configure
from tests.leads.factories import CallFactory, LeadFactory

pytestmark = pytest.mark.django_db


def recording_url(call) -> str:
    return f"/api/calling/calls/{call.pk}/recording/"


@pytest.fixture
def stored_call(org):
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    call = CallFactory(lead=lead, agent=org.agent_a1.user)
    name = default_storage.save(f"recordings/test/{call.pk}.wav", ContentFile(WAV))
    Recording.objects.create(call=call, location=name)
    yield call
    default_storage.delete(name)


def audio(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_agent_hears_their_own_call_and_it_is_logged_once_per_playback(
    client_as, org, stored_call
):
    client = client_as(org.agent_a1)
    whole = client.get(recording_url(stored_call))
    assert whole.status_code == 200 and whole["Content-Type"] == "audio/wav"
    assert audio(whole) == WAV and whole["Accept-Ranges"] == "bytes"
    part = client.get(recording_url(stored_call), HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(WAV)}"
    assert audio(part) == WAV[100:200]
    tail = client.get(recording_url(stored_call), HTTP_RANGE="bytes=-10")
    assert audio(tail) == WAV[-10:]
    # Two playbacks from the start (the whole file, and a range from 0); the seeks are not.
    assert audio(client.get(recording_url(stored_call), HTTP_RANGE="bytes=0-")) == WAV
    playbacks = RecordingPlayback.objects.filter(call=stored_call)
    assert playbacks.count() == 2 and {p.user for p in playbacks} == {org.agent_a1.user}


def test_a_range_outside_the_recording_is_416(client_as, org, stored_call):
    response = client_as(org.agent_a1).get(recording_url(stored_call), HTTP_RANGE="bytes=99999-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(WAV)}"


@pytest.mark.parametrize(
    ("who", "hears"),
    [
        ("agent_a1", True),
        ("agent_a2", False),
        ("agent_b1", False),
        ("manager_a", True),
        ("manager_b", False),
        ("head", True),
        ("south_head", False),
        ("inspector", True),
        ("admin", True),
    ],
)
def test_who_may_hear_a_call(client_as, org, stored_call, who, hears):
    client = client_as(getattr(org, who))
    response = client.get(recording_url(stored_call))
    assert response.status_code == (200 if hears else 404)
    page = client.get(f"/calling/calls/{stored_call.pk}/")
    assert page.status_code == (200 if hears else 404)
    assert RecordingPlayback.objects.filter(call=stored_call).count() == (1 if hears else 0)
    if hears:
        assert b"recording-player" in page.content


def test_the_playback_log_is_seen_by_scope(api_as, client_as, org, stored_call):
    client_as(org.agent_a1).get(recording_url(stored_call))
    client_as(org.inspector).get(recording_url(stored_call))
    everyone = api_as(org.admin).get("/api/calling/playbacks/").json()["results"]
    assert len(everyone) == 2
    own = api_as(org.agent_a1).get("/api/calling/playbacks/").json()["results"]
    assert [row["user"] for row in own] == [org.agent_a1.user.pk]
    assert api_as(org.agent_b1).get("/api/calling/playbacks/").json()["results"] == []


def test_a_recording_at_the_phone_system_is_fetched_with_its_credentials(client_as, org):
    call = CallFactory(lead=LeadFactory(owner=org.agent_a1.user), agent=org.agent_a1.user)
    with FakePhoneSystem() as fake:
        configure(fake.url)
        Recording.objects.create(call=call, location=f"{fake.url}/recordings/x.wav")
        response = client_as(org.agent_a1).get(recording_url(call), HTTP_RANGE="bytes=0-9")
        assert response.status_code == 206 and audio(response) == WAV[:10]
        assert response["Content-Range"] == f"bytes 0-9/{len(WAV)}"
    assert fake.recording_requests[0]["headers"]["Authorization"] == "Bearer pbx-token"
    assert fake.recording_requests[0]["headers"]["Range"] == "bytes=0-9"


def test_no_recording_is_404(client_as, org):
    call = CallFactory(lead=LeadFactory(owner=org.agent_a1.user), agent=org.agent_a1.user)
    assert client_as(org.agent_a1).get(recording_url(call)).status_code == 404


def test_a_path_outside_the_recordings_is_not_served(client_as, org):
    call = CallFactory(lead=LeadFactory(owner=org.agent_a1.user), agent=org.agent_a1.user)
    Recording.objects.create(call=call, location="recordings/../../secret-key")
    assert client_as(org.agent_a1).get(recording_url(call)).status_code == 404


def test_recordings_older_than_the_admins_period_are_deleted_nightly(org, stored_call):
    assert "recording_audio" in {kind.code for kind in KINDS}
    retention_policy_set(kind="recording_audio", days=30)
    old = CallFactory(
        lead=stored_call.lead, agent=org.agent_a1.user,
        started_at=timezone.now() - dt.timedelta(days=31), recording_url="https://pbx/x.mp3",
    )  # fmt: skip
    old_file = default_storage.save(f"recordings/test/{old.pk}.wav", ContentFile(WAV))
    Recording.objects.create(call=old, location=old_file)
    run = apply_retention()
    assert run.report["recording_audio"]["count"] == 1
    assert not default_storage.exists(old_file)
    kept = Recording.objects.get(call=old)
    assert kept.purged_at is not None and kept.location == ""
    old.refresh_from_db()
    assert old.recording_url == ""
    assert Recording.objects.get(call=stored_call).purged_at is None  # a recent one stays
    assert default_storage.exists(Recording.objects.get(call=stored_call).location)
    assert apply_retention().report["recording_audio"]["count"] == 0  # idempotent
