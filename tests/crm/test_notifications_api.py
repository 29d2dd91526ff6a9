"""Notifications through the API: each person lists only their own (admins too), marks one
read, or all of them."""

from __future__ import annotations

from crm.models import Notification


def _notify(member, n: int, **extra) -> list[Notification]:
    return [
        Notification.objects.create(
            user=member.user, kind="followup_due", key=f"k{n}-{i}", text=f"跟进提醒 {i}", **extra
        )
        for i in range(n)
    ]


def test_each_person_lists_only_their_own_newest_first(org, api_as):
    mine = _notify(org.agent_a1, 3)
    _notify(org.manager_a, 2)
    rows = api_as(org.agent_a1).get("/api/notifications/").json()["results"]
    assert [row["id"] for row in rows] == [n.pk for n in reversed(mine)]
    assert rows[0]["is_read"] is False and rows[0]["text"] == "跟进提醒 2"
    # An administrator's list is theirs too, not everyone's.
    assert api_as(org.admin).get("/api/notifications/").json()["results"] == []


def test_someone_elses_notification_is_404(org, api_as):
    other = _notify(org.manager_a, 1)[0]
    api = api_as(org.agent_a1)
    assert api.get(f"/api/notifications/{other.pk}/").status_code == 404
    assert api.post(f"/api/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_one_read_then_all(org, api_as):
    first, second, third = _notify(org.agent_a1, 3)
    theirs = _notify(org.agent_a2, 1)[0]
    api = api_as(org.agent_a1)
    answer = api.post(f"/api/notifications/{first.pk}/read/")
    assert answer.status_code == 200 and answer.json()["is_read"] is True
    unread = api.get("/api/notifications/", {"unread": "true"}).json()["results"]
    assert {row["id"] for row in unread} == {second.pk, third.pk}

    answer = api.post("/api/notifications/read-all/")
    assert answer.status_code == 200 and answer.json() == {"marked": 2}
    assert api.get("/api/notifications/", {"unread": "true"}).json()["results"] == []
    assert api.post("/api/notifications/read-all/").json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None  # someone else's stay unread


def test_notifications_are_not_written_through_the_api(org, api_as):
    api = api_as(org.agent_a1)
    assert api.post("/api/notifications/", {"text": "x"}).status_code == 405
    note = _notify(org.agent_a1, 1)[0]
    assert api.delete(f"/api/notifications/{note.pk}/").status_code == 405


def test_the_list_is_read_in_a_constant_number_of_queries(
    org, api_as, django_assert_max_num_queries
):
    api = api_as(org.agent_a1)
    _notify(org.agent_a1, 2)
    api.get("/api/notifications/")
    with django_assert_max_num_queries(5) as few:
        api.get("/api/notifications/")
    for i in range(20):
        Notification.objects.create(user=org.agent_a1.user, kind="x", key=f"more{i}", text="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/notifications/").json()["results"]) == 22


def test_signed_out_is_401_or_403(api):
    assert api.get("/api/notifications/").status_code in (401, 403)
    assert api.post("/api/notifications/read-all/").status_code in (401, 403)
