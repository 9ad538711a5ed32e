import html

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from coaching.models import CoachingSession, Commitment, Observation, Reinforcement

pytestmark = pytest.mark.django_db


def coaching_rows() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (CoachingSession, Commitment, Reinforcement, Observation)
    )


def test_seed_demo_is_idempotent_and_builds_the_reporting_lines(capsys):
    call_command("seed_demo")
    first = {u.username: (u.role, u.manager_id, u.password) for u in User.objects.all()}
    rows = coaching_rows()
    call_command("seed_demo")
    again = {u.username: (u.role, u.manager_id, u.password) for u in User.objects.all()}
    assert first == again
    assert coaching_rows() == rows
    maria = User.objects.get(username="maria")
    assert set(maria.direct_reports.values_list("username", flat=True)) >= {"john", "sheila"}
    assert User.objects.get(username="ada").is_org_admin
    assert User.objects.get(username="john").check_password("demo-pass-2026")
    assert "demo-pass-2026" in capsys.readouterr().out


# --- what the demo shows on the first page load ---------------------------------------------
# One seeding serves every check below: it takes a while.


def test_the_demo_shows_every_feature_on_the_first_page_load(client):
    call_command("seed_demo")
    people = {user.username: user for user in User.objects.all()}
    open_and_kept_commitments()
    refreshers_due_now_for_two_reps_without_any_beat(client, people)
    a_session_for_maria_to_record_today(client, people)
    each_rating_with_its_own_evidence_and_the_notes_once(client, people)


def open_and_kept_commitments():
    today = timezone.localdate()
    kept = Commitment.objects.filter(status=Commitment.Status.KEPT)
    open_ = Commitment.objects.filter(status=Commitment.Status.OPEN)
    assert kept.count() >= 2 and open_.count() >= 2
    # Open ones are still to do: none is overdue before anyone has looked.
    assert not open_.filter(due_date__lt=today).exists()
    assert all(c.resolved_at <= timezone.now() and c.note for c in kept)
    # One was kept within the day: its undo shows on the rep's own page.
    assert any(c.kept_undoable for c in kept)


def refreshers_due_now_for_two_reps_without_any_beat(client, people):
    due = Reinforcement.objects.filter(
        status=Reinforcement.Status.PENDING, due_at__lte=timezone.now()
    )
    reps = set(due.values_list("rep__username", flat=True))
    assert len(reps) >= 2
    client.force_login(people[sorted(reps)[0]])
    assert "Answer now" in client.get("/coaching/home/").content.decode()


def a_session_for_maria_to_record_today(client, people):
    maria = people["maria"]
    now = timezone.now()
    session = CoachingSession.objects.get(
        coach=maria, status=CoachingSession.Status.SCHEDULED, scheduled_for__lte=now
    )
    assert timezone.localdate(session.scheduled_for, maria.tzinfo) == timezone.localdate(
        now, maria.tzinfo
    )
    client.force_login(maria)
    page = client.get(f"/coaching/sessions/{session.pk}/")
    assert page.status_code == 200
    assert f"/coaching/sessions/{session.pk}/hold/" in page.content.decode()


def each_rating_with_its_own_evidence_and_the_notes_once(client, people):
    held = CoachingSession.objects.held().prefetch_related("observations")
    assert held.exists()
    for session in held:
        evidence = [o.evidence for o in session.observations.all()]
        assert len(set(evidence)) == len(evidence), session
        assert session.shared_notes and session.shared_notes not in evidence, session
    session = held.filter(rep__username="john").order_by("-scheduled_for").first()
    client.force_login(people["maria"])
    body = html.unescape(client.get(f"/coaching/sessions/{session.pk}/").content.decode())
    assert body.count(session.shared_notes) == 1
    for observation in session.observations.all():
        assert body.count(observation.evidence) == 1
