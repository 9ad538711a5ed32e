"""Peer mentoring on the pages: the dashboard proposes pairs, the manager approves or declines
with one click (htmx or a plain post), another manager's reps are a 404; query budgets."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coaching.models import CoachingSession, MentorPairing
from coaching.web.dashboard import PROPOSALS_SHOWN
from tests.coaching.factories import freeze
from tests.coaching.test_mentoring import stands
from tests.coaching.test_mentoring_sessions import MONDAY
from tests.coaching.test_mentoring_sessions import closing as closing
from tests.coaching.test_mentoring_sessions import team as team
from tests.factories import AdminFactory, ManagerFactory, RepFactory, build_module

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday(monkeypatch):
    freeze(monkeypatch, MONDAY)


def _url(name, john, closing, sheila):
    return reverse(f"coaching:{name}", args=[john.pk, closing.pk, sheila.pk])


def test_the_dashboard_proposes_sheila_for_john(client, team, closing):
    maria, john, sheila = team
    client.force_login(maria)
    page = client.get(reverse("coaching:dashboard")).content.decode()
    assert 'id="mentoring"' in page
    assert f'data-mentor="sheila" data-mentee="john" data-skill="{closing.slug}"' in page
    assert _url("pairing_approve", john, closing, sheila) in page
    assert "Approve and book practice" in page


def test_approving_with_one_click_books_the_practice(client, team, closing):
    maria, john, sheila = team
    client.force_login(maria)
    response = client.post(_url("pairing_approve", john, closing, sheila), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Approved: " in body and "Peer practice booked for Mon 9 Mar 10:00" in body
    session = CoachingSession.objects.get(source="peer")
    assert f"/coaching/sessions/{session.pk}/" in body
    assert MentorPairing.objects.get().status == "active"
    # Proposed no more; listed as mentoring now with the next practice.
    page = client.get(reverse("coaching:dashboard")).content.decode()
    assert 'data-mentor="sheila"' not in page
    assert 'id="mentor-pairings"' in page and "next practice Mon 9 Mar" in page


def test_declining_with_a_plain_post_goes_back_with_a_message(client, team, closing):
    maria, john, sheila = team
    client.force_login(maria)
    response = client.post(_url("pairing_decline", john, closing, sheila), follow=True)
    assert response.redirect_chain[-1][0].endswith("#mentoring")
    assert "Declined: " in response.content.decode()
    assert MentorPairing.objects.get().status == "declined"
    assert not CoachingSession.objects.filter(source="peer").exists()
    # A second decision is refused with the reason, not a crash.
    again = client.post(_url("pairing_approve", john, closing, sheila), HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and "already has a decision" in again.content.decode()


def test_another_managers_reps_are_a_404(client, team, closing):
    _maria, john, sheila = team
    for outsider in (ManagerFactory(), john, sheila, RepFactory()):
        client.force_login(outsider)
        for name in ("pairing_approve", "pairing_decline"):
            assert client.post(_url(name, john, closing, sheila)).status_code == 404
    assert not MentorPairing.objects.exists()


def test_only_posts(client, team, closing):
    maria, john, sheila = team
    client.force_login(maria)
    assert client.get(_url("pairing_approve", john, closing, sheila)).status_code == 405


def _dashboard_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("coaching:dashboard")).content.decode()
    return len(queries), page


def test_the_dashboard_section_costs_the_same_for_a_bigger_team(client, team, closing):
    from tests.coaching.test_mentoring import stands

    maria, john, sheila = team
    client.force_login(maria)
    small, _page = _dashboard_queries(client)
    module = closing.modules.first()
    for index in range(4):
        stands(RepFactory(username=f"extra{index}", manager=maria), module, closing, 2, 2, 2)
    client.post(_url("pairing_approve", john, closing, sheila))
    large, page = _dashboard_queries(client)
    assert page.count('data-mentor="sheila"') == 4
    assert 'id="mentor-pairings"' in page
    # Proposals and pairings read a fixed handful of queries however many there are.
    assert large <= small + 1, (small, large)


# --- the peer session's page, and the reps' own pages --------------------------------------------


@pytest.fixture
def peer(team, closing):
    maria, john, sheila = team
    from coaching.sessions.mentoring import pairing_approve

    return pairing_approve(
        actor=maria, mentee_id=john.pk, mentor_id=sheila.pk, skill_id=closing.pk, now=MONDAY
    ).session


def test_the_mentor_sees_a_record_form_for_the_role_play_only(client, peer, team):
    _maria, _john, sheila = team
    client.force_login(sheila)
    page = client.get(reverse("coaching:session", args=[peer.pk])).content.decode()
    assert "Role-play a close" in page
    assert 'name="rating_' in page and "half a coach" in page
    assert "Private notes" not in page and "Commitment 1" not in page
    assert "Another skill" not in page
    assert "Coaching plan of" not in page  # the mentee's plan is not the mentor's to open


def test_the_mentor_records_the_session_in_two_steps(client, peer, team, closing, monkeypatch):
    _maria, john, sheila = team
    freeze(monkeypatch, peer.scheduled_for)
    client.force_login(sheila)
    url = reverse("coaching:session_hold", args=[peer.pk])
    form = {f"rating_{closing.pk}": "3", f"evidence_{closing.pk}": "Asked for the order once."}
    form["notes"] = "Good opening; practise the discount objection."
    preview = client.post(url, form).content.decode()
    assert "Confirm and save" in preview and "Private notes" not in preview
    response = client.post(url, {**form, "confirm": "1"})
    assert response.status_code == 302
    peer.refresh_from_db()
    assert peer.status == "held"
    [rating] = peer.observations.all()
    assert (rating.source, rating.rating, rating.rep, rating.observer) == ("peer", 3, john, sheila)


def test_others_may_not_record_it(client, peer, team):
    maria, john, _sheila = team
    url = reverse("coaching:session_hold", args=[peer.pk])
    client.force_login(maria)
    assert client.post(url, {"notes": "x" * 40}).status_code == 403
    client.force_login(john)
    assert client.post(url, {"notes": "x" * 40}).status_code == 403
    client.force_login(RepFactory(manager=maria))
    assert client.post(url, {"notes": "x" * 40}).status_code == 404


def test_the_reps_pages_list_the_peer_practice(client, peer, team):
    maria, john, sheila = team
    client.force_login(sheila)
    for name in ("coaching:my_coaching", "coaching:rep_home"):
        page = client.get(reverse(name)).content.decode()
        assert 'id="peer-practice-led"' in page and f"with {john}" in page
        assert f"/coaching/sessions/{peer.pk}/" in page
    client.force_login(john)
    for name in ("coaching:my_coaching", "coaching:rep_home"):
        page = client.get(reverse(name)).content.decode()
        assert "Peer practice" in page and 'id="peer-practice-led"' not in page
    client.force_login(maria)
    page = client.get(reverse("coaching:rep", args=[sheila.pk])).content.decode()
    assert 'id="peer-practice-led"' in page


# --- the API --------------------------------------------------------------------------------------


def test_the_api_lists_proposals_and_decides(client, team, closing):
    maria, john, sheila = team
    client.force_login(maria)
    url = reverse("api-team-mentoring")
    listed = client.get(url).json()
    [proposal] = listed["proposals"]
    assert (proposal["mentor"]["username"], proposal["mentee"]["username"]) == ("sheila", "john")
    assert proposal["skill"]["slug"] == closing.slug
    assert proposal["mentee_diagnosis"] == "coaching_gap" and listed["active"] == []
    decision = {"mentee": john.pk, "mentor": sheila.pk, "skill": closing.pk, "decision": "approve"}
    made = client.post(url, decision, content_type="application/json")
    assert made.status_code == 201
    session_id = made.json()["session"]
    assert made.json()["pairing"]["status"] == "active"
    again = client.post(url, decision, content_type="application/json")
    assert again.status_code == 409 and "already has a decision" in again.json()["message"]
    listed = client.get(url).json()
    assert listed["proposals"] == [] and listed["active"][0]["next_session"] == session_id
    # The peer session in the sessions API, with its source, for the mentor too.
    client.force_login(sheila)
    sessions = client.get(reverse("api-coaching-sessions")).json()["results"]
    assert [(s["id"], s["source"]) for s in sessions] == [(session_id, "peer")]
    detail = client.get(reverse("api-coaching-session", args=[session_id])).json()
    assert "private_notes" not in detail


def test_the_api_refuses_reps_and_hides_other_teams(client, team, closing):
    _maria, john, sheila = team
    url = reverse("api-team-mentoring")
    decision = {"mentee": john.pk, "mentor": sheila.pk, "skill": closing.pk, "decision": "decline"}
    client.force_login(sheila)
    assert client.get(url).status_code == 403
    assert client.post(url, decision, content_type="application/json").status_code == 403
    client.force_login(ManagerFactory())
    assert client.post(url, decision, content_type="application/json").status_code == 404
    assert client.get(url).json() == {"proposals": [], "active": []}
    assert not MentorPairing.objects.exists()


def test_the_peer_session_reads_as_peer_practice(client, peer, team):
    _maria, john, sheila = team
    client.force_login(john)
    page = client.get(reverse("coaching:session", args=[peer.pk])).content.decode()
    assert "<h1>Peer practice</h1>" in page and "What your peer mentor will look for" in page
    assert "The role-play from" in page
    client.force_login(sheila)
    page = client.get(reverse("coaching:session", args=[peer.pk])).content.decode()
    assert "<h3>The role-play</h3>" in page


def test_the_manager_books_the_next_practice_or_ends_the_pairing(client, peer, team):
    maria, john, sheila = team
    pairing = MentorPairing.objects.get()
    client.force_login(maria)
    book = reverse("coaching:pairing_book", args=[pairing.pk])
    refused = client.post(book, HTTP_HX_REQUEST="true").content.decode()
    assert "have a practice booked already" in refused
    CoachingSession.objects.filter(pk=peer.pk).update(status="held")
    booked = client.post(book, HTTP_HX_REQUEST="true").content.decode()
    assert "Next peer practice of" in booked
    upcoming = CoachingSession.objects.get(source="peer", status="scheduled")
    for outsider in (ManagerFactory(), john, sheila):
        client.force_login(outsider)
        assert client.post(reverse("coaching:pairing_end", args=[pairing.pk])).status_code == 404
    client.force_login(maria)
    response = client.post(reverse("coaching:pairing_end", args=[pairing.pk]), follow=True)
    assert "Ended: " in response.content.decode()
    pairing.refresh_from_db()
    upcoming.refresh_from_db()
    assert pairing.status == "ended" and upcoming.status == "cancelled"
    # Ended: the pair may be proposed again.
    page = client.get(reverse("coaching:dashboard")).content.decode()
    assert 'data-mentor="sheila" data-mentee="john"' in page


def test_the_dashboard_lists_a_handful_of_pairs_and_shows_all_on_asking(client, team, closing):
    maria, _john, _sheila = team
    module = build_module(skill=closing, questions=4)
    for index in range(PROPOSALS_SHOWN + 1):  # a coaching gap each, beside john's
        stands(RepFactory(username=f"rep{index}", manager=maria), module, closing, 2, 2, 2)
    shown = PROPOSALS_SHOWN + 2
    client.force_login(maria)
    page = client.get(reverse("coaching:dashboard")).content.decode()
    assert page.count('class="proposal"') == PROPOSALS_SHOWN
    assert "And 2 more pairs proposed." in page
    assert f'href="/coaching/dashboard/?proposals=all#mentoring">Show all {shown}</a>' in page
    everything = client.get(reverse("coaching:dashboard"), {"proposals": "all"})
    assert everything.content.decode().count('class="proposal"') == shown
    assert "more pair" not in everything.content.decode()
    # An admin's link stays on the manager's team.
    client.force_login(AdminFactory())
    page = client.get(reverse("coaching:dashboard"), {"manager": maria.pk}).content.decode()
    assert f"?manager={maria.pk}&amp;proposals=all#mentoring" in page
