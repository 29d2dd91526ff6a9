"""Holes an attacker found (issue 20), each reproduced and then held."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_filters import rest_framework as drf_filters
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from crm.filters import FilterBackend, IdFilter
from crm.models import Role
from tests.factories import make_member

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


def _list_routes():
    """(url, filter set) of every API list view that filters its rows."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    seen = set()
    for route, callback in walk(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        if not route.startswith("api/") or view_class is None or actions.get("get") != "list":
            continue
        if "<" in route or route in seen:
            continue
        seen.add(route)
        view = view_class()
        view.request = None
        view.action = "list"
        view.format_kwarg = None
        backends = [
            b for b in view.filter_backends if issubclass(b, drf_filters.DjangoFilterBackend)
        ]
        if not backends:
            continue
        filterset_class = backends[0]().get_filterset_class(view, _model_queryset(view_class))
        if filterset_class is None:
            continue
        names = [
            name
            for name, flt in filterset_class.base_filters.items()
            if isinstance(flt, IdFilter) and not flt.method
        ]
        if names:
            yield "/" + route.replace("^", "").replace("$", ""), names


def _model_queryset(view_class):
    serializer = getattr(view_class, "serializer_class", None)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    return model._default_manager.none() if model is not None else None


def test_every_id_filter_answers_400_naming_itself_for_a_huge_id(org):
    client = APIClient()
    client.force_authenticate(org.admin.user)
    checked = 0
    for url, names in _list_routes():
        for name in names:
            response = client.get(url, {name: HUGE})
            assert response.status_code == 400, (url, name, response.status_code)
            assert name in response.json(), (url, name, response.json())
            checked += 1
    # agent, lead, team, owner, campaign, skill, parent, … on the filtered lists.
    assert checked >= 11


@pytest.mark.parametrize("name", ["agent", "lead", "team", "owner", "campaign", "parent", "skill"])
def test_named_filters_from_the_report_are_400(org, name):
    client = APIClient()
    client.force_authenticate(org.admin.user)
    urls = {
        "agent": "/api/orders/",
        "lead": "/api/orders/",
        "team": "/api/leads/",
        "owner": "/api/leads/",
        "campaign": "/api/leads/",
        "parent": "/api/departments/",
        "skill": "/api/members/",
    }
    response = client.get(urls[name], {name: HUGE})
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_members_page_with_a_huge_team_id_is_not_a_server_error(client, org):
    client.force_login(org.admin.user)
    response = client.get(reverse("org:members"), {"team": HUGE, "department": HUGE})
    assert response.status_code in (200, 400)


def test_filter_backend_builds_bounded_id_filters_for_filterset_fields():
    assert FilterBackend.filterset_base.__name__ == "ApiFilterSet"


# --- a password change ends the user's other sessions and tokens ---------------------------


def test_password_change_ends_other_sessions_and_tokens(client, org):
    from django.test import Client

    user = org.agent_a1.user
    user.set_password("old-password-1")
    user.save()
    token = Token.objects.create(user=user)
    other = Client()
    other.force_login(user)
    assert other.get(reverse("leads:worklist")).status_code == 200

    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "old-password-1",
            "new_password1": "A-new-Pa55word!",
            "new_password2": "A-new-Pa55word!",
        },
    )
    assert response.status_code == 302, response.content
    # The browser that changed it stays signed in, every other way in is gone.
    assert client.get(reverse("leads:worklist")).status_code == 200
    assert other.get(reverse("leads:worklist")).status_code == 302
    assert not Token.objects.filter(pk=token.pk).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").status_code == 401


def test_password_set_anywhere_revokes_tokens(org):
    user = org.agent_a1.user
    Token.objects.create(user=user)
    user.set_password("Another-Pa55word!")
    user.save()
    assert not Token.objects.filter(user=user).exists()


def test_saving_a_user_without_changing_the_password_keeps_tokens(org):
    user = org.agent_a1.user
    Token.objects.create(user=user)
    user.first_name = "新名"
    user.save()
    assert Token.objects.filter(user=user).exists()


# --- password spraying ----------------------------------------------------------------------


def _spray(accounts: int, *, address: str = "203.0.113.7") -> list[int]:
    """One wrong password tried once against each of `accounts` usernames."""
    api = APIClient(REMOTE_ADDR=address)
    body = {"password": "guess"}
    return [
        api.post("/api/auth/token/", {**body, "username": f"victim{n}"}).status_code
        for n in range(accounts)
    ]


def test_one_address_failing_across_many_accounts_is_locked_out(org, settings):
    settings.AXES_SPRAY_ACCOUNT_LIMIT = 5
    for n in range(8):
        make_member(role=Role.AGENT, team=org.team_a, username=f"victim{n}")
    victim = make_member(role=Role.AGENT, team=org.team_a, username="victim_real")
    victim.user.set_password("Right-Pa55word!")
    victim.user.save()
    _spray(6)
    # Even the right password of another account is refused from that address now …
    api = APIClient(REMOTE_ADDR="203.0.113.7")
    response = api.post(
        "/api/auth/token/", {"username": "victim_real", "password": "Right-Pa55word!"}
    )
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
    # … while another address signs in as usual.
    response = APIClient(REMOTE_ADDR="198.51.100.9").post(
        "/api/auth/token/", {"username": "victim_real", "password": "Right-Pa55word!"}
    )
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{40}", response.json()["token"])


def test_the_token_endpoint_throttles_signed_in_callers_too(org, settings):
    from django.core.cache import cache

    cache.clear()
    api = APIClient(REMOTE_ADDR="203.0.113.8")
    api.force_authenticate(org.agent_a1.user)
    codes = [
        api.post("/api/auth/token/", {"username": "agent_a2", "password": f"x{n}"}).status_code
        for n in range(12)
    ]
    assert 429 in codes


# --- the schema and its documentation need a signed-in member -------------------------------


def test_schema_and_docs_need_sign_in_unless_opened(client, org, settings):
    settings.API_SCHEMA_PUBLIC = False
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("login"))
    client.force_login(org.agent_a1.user)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    settings.API_SCHEMA_PUBLIC = True
    assert APIClient().get("/api/schema/").status_code == 200


# --- /metrics behind a proxy -----------------------------------------------------------------


def test_metrics_through_an_untrusted_proxy_on_this_host_need_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    settings.METRICS_TRUSTED_PROXIES = []
    # A proxy on this host connects from loopback on behalf of an outside caller.
    proxied = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/metrics", **proxied).status_code == 403
    assert client.get("/metrics", HTTP_X_REAL_IP="203.0.113.9").status_code == 403
    token = {"HTTP_AUTHORIZATION": "Bearer s3cret-token"}
    assert client.get("/metrics", **proxied, **token).status_code == 200
    # Direct scrapes from loopback still work.
    assert client.get("/metrics").status_code == 200


def test_metrics_through_a_trusted_proxy_judge_the_client(client, settings):
    settings.METRICS_TRUSTED_PROXIES = ["127.0.0.1/32"]
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    inside = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.2.3.4"}
    outside = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.2.3.4, 203.0.113.9"}
    assert client.get("/metrics", **inside).status_code == 200
    assert client.get("/metrics", **outside).status_code == 403
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "10.2.3.4"}
    assert client.get("/metrics", **forged).status_code == 403


@pytest.mark.parametrize("body", [[None, None], "text", 7])
def test_the_token_endpoint_answers_a_body_that_is_not_an_object_with_a_400(body, db):
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
