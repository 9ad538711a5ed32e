"""With DEBUG off, refusals and failures answer with the product's own pages (DESIGN §3).

Each page keeps the product's look, links back home, and needs no inline script or style, so
the strict Content-Security-Policy holds on error pages too.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import include, path, reverse
from django.views.defaults import server_error

from tests.test_permission_matrix import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE

pytestmark = pytest.mark.django_db


def refuse(request):
    raise PermissionDenied("Only the rep writes their own goals.")


# The product's routes plus one that always refuses, for the 403 page.
urlpatterns = [path("test-forbidden/", refuse), path("", include("config.urls"))]


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def assert_product_page(html: str, heading: str) -> None:
    assert heading in html
    assert "Skillcoach" in html
    assert 'href="/"' in html, "no link back home"
    assert 'href="/static/css/app.css"' in html
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER):
        assert not pattern.search(html)


def test_an_unknown_address_answers_the_products_404(client, org):
    client.force_login(org.rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_product_page(html, "We could not find that page")
    assert org.rep.get_role_display() in html, "the page keeps the signed-in navigation"


@pytest.mark.urls(__name__)
def test_a_refusal_answers_the_products_403_with_its_reason(client, org):
    client.force_login(org.manager)
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_product_page(html, "That is not yours to do")
    assert "Only the rep writes their own goals." in html


def test_a_form_without_its_token_answers_the_products_csrf_page(org):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": org.rep.username, "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert_product_page(html, "This form expired")
    assert "Reload the page and try again" in html
    assert "verification failed" not in html, "the person is not shown Django's technical page"


def test_the_csrf_page_keeps_the_signed_in_navigation(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    html = response.content.decode()
    assert_product_page(html, "This form expired")
    assert org.rep.get_role_display() in html


def test_a_server_error_renders_a_standalone_page_with_a_link_home():
    response = server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert_product_page(response.content.decode(), "Something went wrong on our side")
