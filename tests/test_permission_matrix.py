"""Who gets what from every route, generated from the URL configuration (DESIGN §6).

Every page and API route in ``get_resolver()`` is asked by six callers (nobody signed in, the
rep, the rep's manager, another manager, an admin, and the rep's former manager, who coached
them until they moved to their manager) about a small world of things that belong to the rep,
and must answer the status the table below says. A route that is not in the table
fails the test by name: adding a route means deciding who may use it.

Pages and list/detail APIs are asked with GET; routes that only write are sent an empty POST
(or PATCH), whose answer depends on who asks, never on what the write would do. Each call runs
in a savepoint that is rolled back, so one caller's write never changes the next one's answer.
Every HTML page that answers 200 must also carry the Content-Security-Policy header and need
no inline script or style.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import user_set_manager
from accounts.tokens import token_issue
from coaching.models import (
    CalendarFeed,
    CoachingSession,
    DeferredCoaching,
    MentorPairing,
    Notification,
    Reinforcement,
)
from lms.services import attempt_start
from tests.coaching.factories import CommitmentFactory, ObservationFactory, session_with
from tests.factories import ManagerFactory, RepFactory, SkillFactory, build_module

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "rep", "manager", "other_manager", "admin", "former_manager")
LOGIN = "login"  # a redirect to the sign-in page
SKIP_PREFIXES = ("admin/",)  # Django's admin: staff only, asked on its own below


def row(anonymous, rep, manager, other_manager, admin, former_manager=None) -> dict[str, Any]:
    """What each caller gets. The former manager has no rights over the rep left, so they get
    what another manager gets unless ``former_manager`` says otherwise."""
    former_manager = other_manager if former_manager is None else former_manager
    callers = (anonymous, rep, manager, other_manager, admin, former_manager)
    return dict(zip(ACTORS, callers, strict=True))


def everyone(status, anonymous=LOGIN) -> dict[str, Any]:
    return row(anonymous, status, status, status, status)


@dataclass(frozen=True)
class Ask:
    method: str
    expect: dict[str, Any]


# route name -> what each caller gets, per method. The rep owns every object in the URLs.
MATRIX: dict[str, list[Ask] | str] = {
    # accounts
    "home": [Ask("GET", everyone(302))],
    "login": [Ask("GET", row(200, 302, 302, 302, 302))],
    "logout": [Ask("GET", everyone(405, anonymous=405)), Ask("POST", everyone(LOGIN))],
    # An empty post saves nothing and shows the page again.
    "profile": [Ask("GET", everyone(200)), Ask("POST", everyone(200))],
    "password_change": [Ask("GET", everyone(200)), Ask("POST", everyone(200))],
    # Resetting a password is for the signed out too; the link in the URLs is not a valid one.
    "password_reset": [
        Ask("GET", everyone(200, anonymous=200)),
        Ask("POST", everyone(200, anonymous=200)),
    ],
    "password_reset_done": [Ask("GET", everyone(200, anonymous=200))],
    "password_reset_confirm": [Ask("GET", everyone(200, anonymous=200))],
    "password_reset_complete": [Ask("GET", everyone(200, anonymous=200))],
    # Only the rep holds the token in the URLs: for anyone else it is a 404. The audit trail
    # is for admins only.
    "profile_token_revoke": [Ask("POST", row(LOGIN, 302, 404, 404, 404))],
    # One's own calendar read for busy times: each acts on the caller's own calendar only; an
    # empty post is refused with a message and goes back to the profile.
    "profile_calendar_set": [Ask("POST", everyone(302))],
    "profile_calendar_clear": [Ask("POST", everyone(302))],
    "profile_calendar_read": [Ask("POST", everyone(302))],
    "audit": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "audit_csv": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    # People: admins read and change everyone; a manager reads their own reports (the rep in
    # the URLs is the manager's); a rep has no such pages. An empty post shows the form again
    # with its errors; the access buttons without their confirmation go back to the person.
    "people:roster": [Ask("GET", row(LOGIN, 404, 200, 200, 200))],
    "people:person": [
        Ask("GET", row(LOGIN, 404, 200, 404, 200)),
        # An admin's empty form is a form error.
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "people:add": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 200)),
    ],
    "people:import": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 200)),
    ],
    "people:invite": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "people:deactivate": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "people:reactivate": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    # The invited person is signed out; the link in the URLs is not a valid one.
    "people:invitation": [Ask("GET", everyone(200, anonymous=200))],
    "people:invitation_done": [Ask("GET", everyone(200, anonymous=200))],
    # training pages
    "lms:my_learning": [Ask("GET", everyone(200))],
    "lms:team": [
        Ask("GET", row(LOGIN, 404, 200, 200, 200)),
        Ask("POST", row(LOGIN, 404, 200, 200, 200)),
    ],
    "lms:team_assign": [
        Ask("GET", row(LOGIN, 405, 405, 405, 405)),
        Ask("POST", row(LOGIN, 404, 404, 404, 302)),
    ],
    "lms:course": [Ask("GET", everyone(200))],
    "lms:course_start": [Ask("POST", everyone(302))],
    "lms:lesson": [Ask("GET", everyone(200))],
    "lms:lesson_complete": [Ask("POST", everyone(302))],
    "lms:quiz": [Ask("GET", everyone(200))],
    "lms:quiz_start": [Ask("POST", everyone(302))],
    # Nobody in the world is out of attempts: asking is refused with a message on the quiz page.
    "lms:quiz_ask": [Ask("POST", everyone(302))],
    "lms:extra_attempts_grant": [Ask("POST", row(LOGIN, 404, 302, 302, 302))],
    "lms:attempt": [Ask("GET", row(LOGIN, 200, 404, 404, 404))],
    # Nothing answered: the page asks to confirm submitting it so before grading.
    "lms:attempt_submit": [Ask("POST", row(LOGIN, 200, 404, 404, 404))],
    # coaching pages
    "coaching:dashboard": [Ask("GET", row(LOGIN, 404, 200, 200, 200))],
    "coaching:dashboard_act": [Ask("POST", row(LOGIN, 404, 302, 404, 302))],
    # Deciding on a peer mentoring proposal: the mentee's manager or an admin (the world's pair
    # is the rep with themselves, refused with a message); a rep they do not coach is a 404.
    "coaching:pairing_approve": [Ask("POST", row(LOGIN, 404, 302, 404, 302))],
    "coaching:pairing_decline": [Ask("POST", row(LOGIN, 404, 302, 404, 302))],
    # What the coaching budget deferred: only the coach it was deferred for acts on it.
    "coaching:deferred_pull": [Ask("POST", row(LOGIN, 404, 302, 404, 404))],
    "coaching:deferred_dismiss": [Ask("POST", row(LOGIN, 404, 302, 404, 404))],
    # Taking the alternative it offers (the world's: refreshers, one already open serves).
    "coaching:deferred_take_alternative": [Ask("POST", row(LOGIN, 404, 302, 404, 404))],
    # The pairing at work: its next practice booked, or the pairing ended, by the same people.
    "coaching:pairing_book": [Ask("POST", row(LOGIN, 404, 302, 404, 302))],
    "coaching:pairing_end": [Ask("POST", row(LOGIN, 404, 302, 404, 302))],
    "coaching:org": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "coaching:org_csv": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    # Sales outcomes against skills: an admin's organisation, a manager's own team; a rep has
    # no such page. Importing them is for admins (an empty post shows the form's error).
    "coaching:outcomes": [Ask("GET", row(LOGIN, 404, 200, 200, 200))],
    "coaching:outcomes_import": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 200)),
    ],
    "coaching:team": [Ask("GET", row(LOGIN, 404, 200, 200, 200))],
    "coaching:rep": [Ask("GET", row(LOGIN, 404, 200, 404, 200))],
    "coaching:my_coaching": [Ask("GET", everyone(200))],
    "coaching:week": [
        Ask("GET", row(LOGIN, 404, 200, 200, 200)),
        Ask("POST", row(LOGIN, 404, 200, 200, 200)),
    ],
    "coaching:no_coach": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "coaching:session": [Ask("GET", row(LOGIN, 200, 200, 404, 200))],
    "coaching:session_calendar": [Ask("GET", row(LOGIN, 200, 200, 404, 200))],
    # The session in the URLs has not started: the coach is told so on the form.
    "coaching:session_hold": [Ask("POST", row(LOGIN, 403, 200, 404, 200))],
    # It is not held either: there is no record to amend, and the page says so.
    "coaching:session_amend": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    # A rep asks to reschedule; the coach moves, keeps the time or cancels (with a reason).
    "coaching:session_reschedule": [Ask("POST", row(LOGIN, 403, 200, 404, 200))],
    "coaching:session_cancel": [Ask("POST", row(LOGIN, 403, 200, 404, 200))],
    "coaching:session_reschedule_request": [Ask("POST", row(LOGIN, 200, 403, 404, 403))],
    "coaching:session_reschedule_keep": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    # A calendar clash is answered by whoever may move the session (none here: back with a word).
    "coaching:session_conflict_accept": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    "coaching:session_conflict_dismiss": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    "coaching:session_reflect": [Ask("POST", row(LOGIN, 302, 403, 404, 403))],
    "coaching:commitment_kept": [Ask("POST", row(LOGIN, 302, 403, 404, 403))],
    "coaching:commitment_review": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    "coaching:commitment_undo": [Ask("POST", row(LOGIN, 302, 302, 404, 302))],
    "coaching:plan": [Ask("GET", row(LOGIN, 200, 200, 404, 200))],
    "coaching:plan_goals": [Ask("POST", row(LOGIN, 302, 403, 404, 403))],
    "coaching:plan_focus": [Ask("POST", row(LOGIN, 403, 302, 404, 302))],
    "coaching:rep_home": [Ask("GET", everyone(200))],
    "coaching:reinforcement": [
        Ask("GET", row(LOGIN, 200, 404, 404, 404)),
        Ask("POST", row(LOGIN, 200, 404, 404, 404)),
    ],
    "coaching:notifications": [Ask("GET", everyone(200))],
    "coaching:notification_count": [Ask("GET", everyone(200, anonymous=401))],
    "coaching:notifications_read_all": [Ask("POST", everyone(302))],
    "coaching:notification_read": [Ask("POST", row(LOGIN, 302, 404, 404, 404))],
    "coaching:calendar_feed_reset": [Ask("POST", everyone(302))],
    # The private feed needs no sign-in: its unguessable token is the key (an unknown one is
    # a 404, asked below).
    "coaching:calendar_feed": [
        Ask("GET", everyone(200, anonymous=200)),
        Ask("HEAD", everyone(200, anonymous=200)),
    ],
    # Content authoring: the lesson, quiz and coaching-guide editors and the rep's-eye
    # preview, admins only. An empty post is a form error (400); an empty guide is a guide.
    "author:lesson_new": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:lesson_edit": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:lesson_preview": [Ask("POST", row(LOGIN, 404, 404, 404, 200))],
    "author:quiz_edit": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:guide_edit": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 302)),
    ],
    "author:course_preview": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "author:course_preview_lesson": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "author:course_preview_quiz": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    # Content authoring: the course list and a course's outline, admins only. An empty post
    # is a form error (400); an action without its choice, or refused by a rule (the world's
    # module has an attempt, its course is not ready), goes back to the course with a message.
    "author:courses": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "author:course_new": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:course_upload": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:course": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "author:course_edit": [Ask("POST", row(LOGIN, 404, 404, 404, 400))],
    "author:course_duplicate": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:course_archive": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:course_publish": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:course_unpublish": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:course_download": [Ask("GET", row(LOGIN, 404, 404, 404, 200))],
    "author:module_new": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:module_edit": [
        Ask("GET", row(LOGIN, 404, 404, 404, 200)),
        Ask("POST", row(LOGIN, 404, 404, 404, 400)),
    ],
    "author:module_move": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:module_delete": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:lesson_move": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "author:lesson_delete": [Ask("POST", row(LOGIN, 404, 404, 404, 302))],
    "healthz": [Ask("GET", everyone(200, anonymous=200))],
    # API: anonymous callers are refused with 401, except where signing in happens.
    # DELETE revokes the calling token (each ask is rolled back, so the next caller keeps theirs).
    "api-token": [
        Ask("POST", everyone(400, anonymous=400)),
        Ask("DELETE", everyone(204, anonymous=401)),
    ],
    "api-me": [Ask("GET", everyone(200, anonymous=401))],
    # Admins only; an empty JSON body is told to send CSV.
    "api-people-import": [Ask("POST", row(401, 403, 403, 403, 400))],
    # Sales outcomes, admins only; an empty post is told what to send.
    "api-outcomes": [Ask("POST", row(401, 403, 403, 403, 400))],
    "api-course-list": [Ask("GET", everyone(200, anonymous=401))],
    "api-course-detail": [Ask("GET", everyone(200, anonymous=401))],
    "api-enrolment-list": [
        Ask("GET", everyone(200, anonymous=401)),
        Ask("POST", everyone(400, anonymous=401)),
    ],
    "api-lesson-complete": [Ask("POST", everyone(200, anonymous=401))],
    "api-attempt-start": [Ask("POST", everyone(201, anonymous=401))],
    "api-quiz-extra-attempts": [Ask("POST", row(401, 404, 400, 400, 400))],
    "api-attempt-detail": [Ask("GET", row(401, 200, 404, 404, 404))],
    "api-attempt-submit": [Ask("POST", row(401, 400, 404, 404, 404))],
    "api-completion-list": [Ask("GET", everyone(200, anonymous=401))],
    "api-reminders": [Ask("GET", everyone(200, anonymous=401))],
    # The caller's own merged busy times (another's only with ?user=, tested on its own).
    "api-me-busy": [Ask("GET", everyone(200, anonymous=401))],
    # Each person's own working week, time off and calendar; an empty PATCH changes nothing.
    "api-me-availability": [
        Ask("GET", everyone(200, anonymous=401)),
        Ask("PATCH", everyone(200, anonymous=401)),
    ],
    "api-team-skills": [Ask("GET", row(401, 403, 200, 200, 200))],
    # Peer mentoring of the caller's team; an empty decision is told what to send.
    "api-team-mentoring": [
        Ask("GET", row(401, 403, 200, 200, 200)),
        Ask("POST", row(401, 403, 400, 400, 400)),
    ],
    "api-coaching-plans": [Ask("GET", everyone(200, anonymous=401))],
    "api-coaching-sessions": [
        Ask("GET", everyone(200, anonymous=401)),
        Ask("POST", everyone(400, anonymous=401)),
    ],
    "api-coaching-session": [Ask("GET", row(401, 200, 200, 404, 200))],
    "api-coaching-session-hold": [Ask("POST", row(401, 403, 409, 404, 409))],
    "api-coaching-session-amend": [Ask("POST", row(401, 403, 409, 404, 409))],
    "api-coaching-session-reschedule": [Ask("POST", row(401, 403, 400, 404, 400))],
    "api-coaching-session-reschedule-request": [Ask("POST", row(401, 400, 403, 404, 403))],
    "api-coaching-session-reschedule-resolve": [Ask("POST", row(401, 403, 400, 404, 400))],
    "api-coaching-session-cancel": [Ask("POST", row(401, 403, 400, 404, 400))],
    # Free times to pick from: whoever may move the session or ask to (coach, rep, admin).
    "api-coaching-session-slots": [Ask("GET", row(401, 200, 200, 404, 200))],
    "api-coaching-session-reflection": [Ask("POST", row(401, 400, 403, 404, 403))],
    "api-coaching-commitments": [Ask("GET", everyone(200, anonymous=401))],
    "api-coaching-commitment": [
        Ask("GET", row(401, 200, 200, 404, 200)),
        Ask("PATCH", row(401, 400, 400, 404, 400)),
    ],
    # Public: the schema and its viewer describe the API to anyone, as clients need.
    "api-schema": [Ask("GET", everyone(200, anonymous=200))],
    "api-docs": [Ask("GET", everyone(200, anonymous=200))],
}

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


# --- the URL configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]


def routes() -> list[Route]:
    """Every named route outside the skipped prefixes, as the URL configuration has it now."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                if pattern.startswith(SKIP_PREFIXES):
                    continue
                name = entry.name or pattern
                full = f"{namespace}:{name}" if namespace and entry.name else name
                params = tuple(entry.pattern.regex.groupindex)
                found.append(Route(full, pattern, params))

    walk(get_resolver().url_patterns, "", None)
    return found


ROUTES = routes()


def test_every_route_has_an_entry_in_the_matrix():
    missing = [f"{r.name} ({r.pattern})" for r in ROUTES if r.name not in MATRIX]
    assert not missing, (
        "Routes without an entry in tests/test_permission_matrix.py MATRIX; say who may use "
        "them: " + ", ".join(missing)
    )


def test_the_matrix_names_no_route_that_is_gone():
    known = {r.name for r in ROUTES}
    stale = [name for name in MATRIX if name not in known]
    assert not stale, f"MATRIX entries with no route: {', '.join(stale)}"


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def world(org):
    return build_world(org)


def build_world(org):
    """A rep's course, module, lesson, quiz and open attempt; their plan, a scheduled session
    and a held one (rated, with a commitment); a notification, a refresher and a calendar feed.

    Until all of it exists the rep reports to ``former_manager``; then an admin moves them to
    their manager (``user_set_manager``), which hands the plan and the scheduled session over
    and leaves the held one as the former manager's history.

    Returns the people, the ids to put in URLs (by URL parameter name) and everyone's token.
    """
    rep = org.rep
    former = ManagerFactory(username="former_manager")
    User.objects.filter(pk=rep.pk).update(manager=former)
    rep.refresh_from_db()
    skill = SkillFactory(slug="closing", name="Closing")
    module = build_module(skill=skill, lessons=1, questions=2)
    attempt = attempt_start(user=rep, quiz=module.quiz)
    session = session_with(rep, scheduled_for=timezone.now() + dt.timedelta(days=3))
    held = session_with(
        rep,
        status=CoachingSession.Status.HELD,
        scheduled_for=timezone.now() - dt.timedelta(days=2),
        held_at=timezone.now() - dt.timedelta(days=2),
    )
    ObservationFactory(session=held, skill=skill, rating=2)
    commitment = CommitmentFactory(session=held, skill=skill)
    notification = Notification.objects.create(
        recipient=rep, title="Session booked", body="With your manager.", url="/coaching/"
    )
    reinforcement = Reinforcement.objects.create(
        rep=rep,
        skill=skill,
        question_ids=list(module.quiz.questions.values_list("pk", flat=True)),
        due_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=48),
    )
    feed = CalendarFeed.objects.create(user=rep)
    user_set_manager(user=rep, manager=org.manager, actor=org.admin)
    rep.refresh_from_db()
    deferred = DeferredCoaching.objects.create(
        coach=org.manager,
        rep=rep,
        kind=DeferredCoaching.Kind.DECAY,
        skill=skill,
        week_start=timezone.localdate(),
        reason="The week was full.",
        alternative=DeferredCoaching.Alternative.REFRESHER,
    )
    # A teammate mentors the rep on the skill (peer mentoring, approved by their manager).
    pairing = MentorPairing.objects.create(
        mentor=RepFactory(manager=org.manager), mentee=rep, skill=skill, decided_by=org.manager
    )
    org = SimpleNamespace(**vars(org), former_manager=former)
    tokens = {
        actor: token_issue(user=getattr(org, actor)).key for actor in ACTORS if actor != "anonymous"
    }
    params = {
        "course_id": module.course_id,
        "module_id": module.pk,
        "lesson_id": module.lessons.get().pk,
        "quiz_id": module.quiz.pk,
        "attempt_id": attempt.pk,
        "session_id": session.pk,
        "commitment_id": commitment.pk,
        "deferred_id": deferred.pk,
        "rep_id": rep.pk,
        "person_id": rep.pk,
        "skill_id": skill.pk,
        # A peer mentoring proposal about the rep (the mentor: the rep again, which no rule
        # lets pass, so that no caller's ask books anything).
        "mentee_id": rep.pk,
        "mentor_id": rep.pk,
        "pairing_id": pairing.pk,
        "pk": notification.pk,
        "reinforcement_id": reinforcement.pk,
        "token": feed.token,
        "token_id": ApiToken.objects.get(key=tokens["rep"]).pk,
        "uidb64": "MQ",
    }
    return org, params, tokens


def url_of(route: Route, params: dict[str, Any]) -> str:
    unknown = [p for p in route.params if p not in params]
    assert not unknown, f"{route.name}: no world value for URL parameter(s) {unknown}"
    return reverse(route.name, kwargs={p: params[p] for p in route.params})


def call(client: Client, method: str, url: str, *, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, b"", content_type="application/json")
    return client.generic(method, url, b"", content_type="application/x-www-form-urlencoded")


def client_for(org, actor: str, tokens: dict[str, str], *, api: bool) -> Client:
    if actor == "anonymous":
        return Client()
    if api:
        return Client(HTTP_AUTHORIZATION=f"Token {tokens[actor]}")
    client = Client()
    client.force_login(getattr(org, actor))
    return client


def verdict(response, expected) -> str | None:
    """Why ``response`` is not ``expected``, or None when it is."""
    status = response.status_code
    if expected == LOGIN:
        location = response.headers.get("Location", "")
        if status == 302 and location.startswith(reverse(settings.LOGIN_URL)):
            return None
        return f"expected a redirect to sign in, got {status} {location}".strip()
    if status != expected:
        return f"expected {expected}, got {status}"
    return None


def _says(response) -> bool:
    return "message" in response.json()


def page_problems(response) -> list[str]:
    """An HTML page that answered must carry the policy and need nothing inline."""
    if response.status_code != 200 or "text/html" not in response.headers.get("Content-Type", ""):
        return []
    problems = []
    if "Content-Security-Policy" not in response.headers:
        problems.append("no Content-Security-Policy header")
    html = response.content.decode()
    for label, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("inline event handler", INLINE_HANDLER),
    ):
        if match := pattern.search(html):
            problems.append(f"{label}: {match.group(0)[:80]!r}")
    return problems


ASKED = [
    pytest.param(route, id=route.name)
    for route in ROUTES
    if isinstance(MATRIX.get(route.name), list)
    and not route.name.startswith(("api-schema", "api-docs"))
]


@pytest.mark.parametrize("route", ASKED)
def test_route_answers_each_caller_as_the_matrix_says(route, world):
    org, params, tokens = world
    url = url_of(route, params)
    api = route.pattern.startswith("api/")
    wrong = []
    for ask in MATRIX[route.name]:
        for actor in ACTORS:
            client = client_for(org, actor, tokens, api=api)
            savepoint = transaction.savepoint()
            try:
                response = call(client, ask.method, url, api=api)
            finally:
                transaction.savepoint_rollback(savepoint)
            problem = verdict(response, ask.expect[actor])
            if problem is None and api and response.status_code >= 400 and not _says(response):
                problem = f"{response.status_code} without a message"
            if problem is None and not api:
                problem = "; ".join(page_problems(response)) or None
            if problem:
                wrong.append(f"{ask.method} {url} as {actor}: {problem}")
    assert not wrong, "\n".join(wrong)


def test_the_schema_and_its_viewer_are_public(world):
    for name in ("api-schema", "api-docs"):
        for actor in ACTORS:
            org, _, tokens = world
            response = client_for(org, actor, tokens, api=False).get(reverse(name))
            assert response.status_code == 200, (name, actor)


def test_an_unknown_calendar_token_is_not_found(world):
    url = reverse("coaching:calendar_feed", kwargs={"token": "not-a-real-token"})
    assert Client().get(url).status_code == 404


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("anonymous", 302),
        ("rep", 302),
        ("manager", 302),
        ("other_manager", 302),
        ("admin", 200),
        ("former_manager", 302),
    ],
)
def test_the_admin_is_for_staff_only(world, actor, expected):
    org, _, tokens = world
    response = client_for(org, actor, tokens, api=False).get(reverse("admin:index"))
    assert response.status_code == expected
    if expected == 302:
        assert response.headers["Location"].startswith(reverse("admin:login"))
