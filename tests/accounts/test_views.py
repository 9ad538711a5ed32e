import pytest

from tests.factories import PASSWORD, AdminFactory, ManagerFactory, RepFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_signing_in_lands_a_rep_on_their_home(client):
    RepFactory(username="jo", first_name="Jo")
    response = client.post(
        "/accounts/login/", {"username": "jo", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/coaching/home/"
    assert b"My learning" in response.content
    assert b"Welcome, Jo" in response.content


def test_a_wrong_password_shows_a_clear_error(client):
    RepFactory(username="jo")
    response = client.post("/accounts/login/", {"username": "jo", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match" in response.content


def test_repeated_failures_on_the_page_show_the_lockout(client, settings):
    RepFactory(username="jo")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "jo", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "jo", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content


def test_a_managers_home_is_their_team_dashboard(client):
    manager = ManagerFactory()
    mine = RepFactory(manager=manager, username="mine")
    RepFactory(username="theirs")
    client.force_login(manager)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/coaching/dashboard/"
    page = client.get(response["Location"])
    assert mine.username.encode() in page.content or str(mine).encode() in page.content
    assert b"theirs" not in page.content


def test_an_admins_home_is_the_organisation_view(client):
    client.force_login(AdminFactory())
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/coaching/org/"


def test_sign_out_is_a_post(client):
    client.force_login(RepFactory())
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_pages_carry_the_csrf_header_for_htmx(client):
    client.force_login(RepFactory())
    response = client.get("/", follow=True)
    assert b'hx-headers=\'{"X-CSRFToken": "' in response.content
    assert b"htmx" in response.content
