import pytest
from django.test import override_settings
from rest_framework.throttling import ScopedRateThrottle

from accounts.models import ApiToken
from tests.factories import PASSWORD, RepFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_good_credentials_get_a_token_that_authenticates(api):
    rep = RepFactory(username="jo")
    response = api.post(TOKEN_URL, {"username": "jo", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=rep)
    assert response.json()["token"] == token.key
    assert set(response.json()) == {"token", "expiry"}

    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "jo"
    assert me.json()["role"] == "rep"
    assert me.json()["manager"] == rep.manager_id
    assert set(me.json()) >= {"id", "username", "role", "manager"}


def test_bad_credentials_are_a_400_with_a_message(api):
    RepFactory(username="jo")
    response = api.post(TOKEN_URL, {"username": "jo", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "credentials" in response.json()["message"]


def test_missing_fields_are_a_400_naming_the_field(api):
    response = api.post(TOKEN_URL, {"username": "jo"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()["message"]


def test_repeated_failures_lock_the_account_even_with_the_right_password(api, settings):
    RepFactory(username="jo")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(TOKEN_URL, {"username": "jo", "password": "wrong"}, format="json")
    response = api.post(TOKEN_URL, {"username": "jo", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["message"]


def test_the_lockout_is_per_username_and_address(api, settings):
    RepFactory(username="jo")
    RepFactory(username="kim")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(TOKEN_URL, {"username": "jo", "password": "wrong"}, format="json")
    response = api.post(TOKEN_URL, {"username": "kim", "password": PASSWORD}, format="json")
    assert response.status_code == 200


def test_token_endpoint_is_throttled(api, monkeypatch):
    # DRF reads the rates once at import, so the test narrows them on the class.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"token": "3/min"})
    with override_settings(AXES_FAILURE_LIMIT=100):
        statuses = [
            api.post(TOKEN_URL, {"username": "x", "password": "y"}, format="json").status_code
            for _ in range(4)
        ]
    assert statuses[-1] == 429


def test_me_refuses_anonymous_callers(api):
    response = api.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert "message" in response.json()


def test_a_bad_token_is_refused(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401
