"""A simulated quarter: does coaching after training slow the decay of skills? (docs/simulation.md)

A synthetic organisation (managers with teams of reps) goes through the demo courses while a
simulated clock moves forward. Everything it does goes through the real services: lessons,
quiz attempts (whose completion sends ``module_completed``, so the real receiver books the
follow-up), reinforcement answers, held sessions with observations and commitments, kept
commitments; and the real periodic jobs run on the clock: the reminder outbox (claim, then
deliver), the missed-session and missed-commitment sweeps, and skill upkeep (expiry, new
reinforcements, coaching on decay).

Only the people are simulated. Each rep has, per skill, an aptitude and a true recall that
decays exponentially since they last practised it; practice (a quiz, a reinforcement, a held
session, a kept commitment) resets the decay and slows it. How they answer questions and how
their coach rates them follows from that true recall.

The same organisation runs twice from the same seed: once with the follow-up receiver
disconnected and skill upkeep not run (no follow-up sessions, no reinforcements, no coaching on
decay), then as the product works. Each world runs in its own transaction, rolled back once
its numbers are counted, unless it is kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import logging
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from coaching import receivers
from coaching.models import CoachingSession, Commitment, Reinforcement, Reminder, SkillMemory
from coaching.reminders import schedule as reminder_services
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from coaching.reminders.schedule import reminders_cancel
from coaching.sessions.commitments import commitment_mark_kept, commitments_mark_missed
from coaching.sessions.decay import skill_upkeep_run
from coaching.sessions.services import session_hold, sessions_mark_missed
from coaching.skills.memory import retention_forecast
from coaching.skills.refreshers import reinforcement_answer
from coaching.tasks import DISPATCH_BATCH_SIZE, SEND_BATCH_SIZE
from config.errors import DomainError
from lms.course_files import course_file_load
from lms.demo import DEMO_COURSES_DIR, demo_courses_seed
from lms.models import (
    Choice,
    Course,
    Enrolment,
    Lesson,
    Module,
    ModuleCompletion,
    Question,
    Quiz,
    Skill,
)
from lms.services import attempt_start, attempt_submit, lesson_complete
from lms.services import quizzes as quiz_services
from lms.signals import module_completed

# A Monday, long before any real data: the simulated jobs never meet live rows.
DEFAULT_START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
TEAM_TIME_ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "America/Chicago")
WITH, WITHOUT = "with_follow_ups", "without_follow_ups"
LABELS = {WITH: "with follow-ups", WITHOUT: "without"}
# How often the simulated beat runs each job (the real beat: 30 s, 5 min, 1 h and 15 min).
DISPATCH_MINUTES = 30
SESSION_SWEEP_MINUTES = 60
UPKEEP_MINUTES = 360
# Dirty pages of a whole world stay in memory instead of spilling to disk mid-transaction.
SQLITE_CACHE_KIB = 512 * 1024

# --- the simulated people ------------------------------------------------------------------------
# Chance of a right answer with nothing remembered (a multiple-choice guess).
GUESS = 0.2
# Days for true recall to fall to 1/e after first learning a skill: the rep's forgetting rate.
STABILITY_MEDIAN_DAYS = 10.0
STABILITY_SPREAD = 0.4  # log-normal sigma
MAX_STABILITY_DAYS = 365.0
# How much each kind of practice slows forgetting. Retrieving what was half forgotten helps
# most (the spacing effect), hence a gain that grows with what had been lost.
RESTUDY_GAIN = 1.2
RETRIEVAL_GAIN, RETRIEVAL_GAIN_PER_LOSS, FAILED_RETRIEVAL_GAIN = 1.3, 1.5, 1.1
COACHING_GAIN, COACHING_GAIN_PER_LOSS, COACHING_APTITUDE = 1.5, 1.5, 0.02
COMMITMENT_GAIN, COMMITMENT_APTITUDE = 1.2, 0.01
MAX_APTITUDE = 0.98
RATING_NOISE = 0.6  # standard deviation of a coach's rating, in rubric points
COMMITMENT_RATE = 0.6  # share of held sessions that end with a commitment
COMMITMENT_DAYS = 7
WORKDAY_START_HOUR, WORKDAY_END_HOUR = 9, 17


@dataclass
class SkillTruth:
    """What a rep really knows of one skill; the platform sees it only through evidence."""

    aptitude: float  # chance of applying it right when fully remembered
    prior: float  # recall before any training, and the floor it decays to
    stability: float  # days for recall above the floor to fall to 1/e
    last: dt.datetime | None = None

    def recall(self, at: dt.datetime) -> float:
        if self.last is None:
            return self.prior
        days = max((at - self.last).total_seconds(), 0.0) / 86400
        return self.prior + (1 - self.prior) * math.exp(-days / self.stability)

    def p_correct(self, at: dt.datetime) -> float:
        return GUESS + (1 - GUESS) * self.aptitude * self.recall(at)

    def practise(self, at: dt.datetime, gain: float) -> None:
        self.stability = min(self.stability * gain, MAX_STABILITY_DAYS)
        self.last = at

    def study(self, at: dt.datetime, base_stability: float) -> None:
        if self.last is None:
            self.stability, self.last = base_stability, at
        else:
            self.practise(at, RESTUDY_GAIN)

    def retrieve(self, at: dt.datetime, *, succeeded: bool) -> None:
        loss = 1 - self.recall(at)
        if succeeded:
            self.practise(at, RETRIEVAL_GAIN + RETRIEVAL_GAIN_PER_LOSS * loss)
        else:
            self.practise(at, FAILED_RETRIEVAL_GAIN)

    def coached(self, at: dt.datetime) -> None:
        loss = 1 - self.recall(at)
        self.practise(at, COACHING_GAIN + COACHING_GAIN_PER_LOSS * loss)
        self.aptitude = min(self.aptitude + COACHING_APTITUDE, MAX_APTITUDE)

    def applied(self, at: dt.datetime) -> None:
        self.practise(at, COMMITMENT_GAIN)
        self.aptitude = min(self.aptitude + COMMITMENT_APTITUDE, MAX_APTITUDE)


@dataclass
class RepProfile:
    """Drawn from the seed before anything happens, so both worlds start with the same people."""

    index: int
    team: int
    skills: dict[str, SkillTruth]  # by skill slug
    base_stability: float
    engagement: float  # chance of answering a reinforcement
    follow_through: float  # chance of keeping a commitment
    hour: float  # the local hour they like to train at
    gap_days: tuple[int, int]  # working days between two modules
    first_day: int  # working days before their first module
    course_order: list[int]  # indexes into the course list


def profiles_draw(
    *, seed: int, reps: int, team_size: int, skill_slugs: list[str], courses: int
) -> list[RepProfile]:
    rng = random.Random(f"{seed}:profiles")  # noqa: S311 - a simulation, not a secret
    profiles = []
    for index in range(reps):
        base = STABILITY_MEDIAN_DAYS * math.exp(rng.gauss(0, STABILITY_SPREAD))
        skills = {
            slug: SkillTruth(
                aptitude=rng.uniform(0.6, 0.95), prior=rng.uniform(0.0, 0.3), stability=base
            )
            for slug in skill_slugs
        }
        pace = rng.randint(3, 9)
        order = list(range(courses))
        rng.shuffle(order)
        profiles.append(
            RepProfile(
                index=index,
                team=index // team_size,
                skills=skills,
                base_stability=base,
                engagement=rng.uniform(0.6, 0.95),
                follow_through=rng.uniform(0.5, 0.9),
                hour=rng.uniform(WORKDAY_START_HOUR + 0.5, WORKDAY_END_HOUR - 1.5),
                gap_days=(pace, pace + 4),
                first_day=rng.randint(0, 9),
                course_order=order,
            )
        )
    return profiles


# --- running the services on a moved clock -------------------------------------------------------


@dataclass
class SimulatedClock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def clock_moved(clock: SimulatedClock, *, seed: str) -> Iterator[None]:
    """Every ``timezone.now()`` answers the simulated time while inside.

    Services, ``auto_now`` fields and ``timezone.localdate()`` all look ``now`` up on
    ``django.utils.timezone`` when called (no module imports the function itself), so
    patching that one attribute moves them all. The quiz engine's question draw is seeded
    too, so that a run repeats exactly.
    """
    real_now, real_random = timezone.now, quiz_services._random
    timezone.now = clock
    quiz_services._random = random.Random(seed)  # noqa: S311 - a simulation, not a secret
    try:
        yield
    finally:
        timezone.now, quiz_services._random = real_now, real_random


@contextmanager
def follow_ups_switched_off() -> Iterator[None]:
    """Disconnect the follow-up receiver of ``module_completed`` while inside.

    The memory receiver stays connected: the quiz that completes a module still reviews the
    skill's memory, so both worlds have a forecast to compare.
    """
    disconnected = module_completed.disconnect(
        sender=ModuleCompletion, dispatch_uid=receivers.FOLLOW_UP_DISPATCH_UID
    )
    if not disconnected:
        raise RuntimeError("The follow-up receiver was not connected.")
    try:
        yield
    finally:
        receivers.receivers_connect()


@contextmanager
def _quiet_services() -> Iterator[None]:
    """No per-completion log lines, no real email, no query log, no dispatcher woken through
    the broker (the simulation is the dispatcher, on its own clock), no cache spills."""
    loggers = [logging.getLogger(name) for name in ("lms", "coaching")]
    levels = [item.level for item in loggers]
    kick = reminder_services._kick_dispatcher
    for item in loggers:
        item.setLevel(logging.WARNING)
    reminder_services._kick_dispatcher = lambda: None
    cache_kib = None
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache_kib = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    try:
        # DEBUG off: the query log alone costs a fifth of the run.
        with override_settings(
            DEBUG=False, EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
        ):
            yield
    finally:
        if cache_kib is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_kib)}")
        reminder_services._kick_dispatcher = kick
        for item, level in zip(loggers, levels, strict=True):
            item.setLevel(level)


# --- the content -------------------------------------------------------------------------------


@dataclass
class Content:
    courses: list[list[Module]]  # the demo courses' modules, in order
    lessons: dict[int, list[Lesson]]  # by module id
    quizzes: dict[int, Quiz]  # by module id
    module_skills: dict[int, list[str]]  # by module id, skill slugs
    skills: dict[int, Skill]  # by id
    # question id → (skill slug, correct choice ids, wrong choice ids)
    questions: dict[int, tuple[str, frozenset[int], tuple[int, ...]]]

    @property
    def skill_slugs(self) -> list[str]:
        return sorted(skill.slug for skill in self.skills.values())


def _demo_courses() -> list[Course]:
    """The demo courses as they are in the database; imported from their files when missing.

    Courses already there are used as they are, so that a kept run never rewrites content an
    admin may have edited.
    """
    paths = sorted(DEMO_COURSES_DIR.glob("*.yaml"))
    slugs = {course_file_load(path=path)["course"]["slug"] for path in paths}
    courses = list(Course.objects.filter(slug__in=slugs))
    if len(courses) < len(slugs):
        courses = [item.course for item in demo_courses_seed()]
    unpublished = [course.title for course in courses if not course.is_published]
    if unpublished:
        raise DomainError(f"The simulation needs the demo course “{unpublished[0]}” published.")
    return sorted(courses, key=lambda course: course.slug)


def content_load() -> Content:
    """The demo courses and every published question, in a few queries."""
    courses = _demo_courses()
    modules = list(
        Module.objects.filter(course__in=courses)
        .select_related("course")
        .prefetch_related("skills")
        .order_by("course__slug", "position")
    )
    by_course: dict[int, list[Module]] = defaultdict(list)
    for module in modules:
        by_course[module.course_id].append(module)
    lessons: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in (
        Lesson.objects.filter(module__in=modules)
        .select_related("module__course")
        .order_by("module_id", "position")
    ):
        lessons[lesson.module_id].append(lesson)
    quizzes = {
        quiz.module_id: quiz
        for quiz in Quiz.objects.filter(module__in=modules).select_related("module__course")
    }
    missing = [module.title for module in modules if module.pk not in quizzes]
    if missing:
        raise DomainError(f"Every simulated module needs a quiz; {missing[0]} has none.")
    skills = Skill.objects.in_bulk()
    # Reinforcements may ask any published question on a skill, so the reps know them all.
    published = Question.objects.filter(quiz__module__course__status=Course.Status.PUBLISHED)
    right: dict[int, set[int]] = defaultdict(set)
    wrong: dict[int, list[int]] = defaultdict(list)
    for question_id, choice_id, is_correct in (
        Choice.objects.filter(question__in=published)
        .order_by("question_id", "position")
        .values_list("question_id", "pk", "is_correct")
    ):
        if is_correct:
            right[question_id].add(choice_id)
        else:
            wrong[question_id].append(choice_id)
    return Content(
        courses=[by_course[course.pk] for course in courses],
        lessons=dict(lessons),
        quizzes=quizzes,
        module_skills={m.pk: sorted(s.slug for s in m.skills.all()) for m in modules},
        skills=skills,
        questions={
            pk: (skills[skill_id].slug, frozenset(right[pk]), tuple(wrong[pk]))
            for pk, skill_id in published.values_list("pk", "skill_id")
        },
    )


# --- the results --------------------------------------------------------------------------------


@dataclass
class WorldResult:
    name: str
    completions: int = 0
    coached_within_48h: float = 0.0  # share of completions, 0-1
    sessions_booked: int = 0
    follow_up_sessions: int = 0
    decay_sessions: int = 0
    sessions_held: int = 0
    sessions_missed: int = 0
    late_bookings: int = 0
    reminders_sent: int = 0
    reinforcements_opened: int = 0
    reinforcements_answered: int = 0
    commitments_kept: int = 0
    manager_hours: float = 0.0
    forecast_retention: dict[str, float | None] = field(default_factory=dict)  # by skill slug
    true_recall: dict[str, float | None] = field(default_factory=dict)  # by skill slug
    # What the machine spent, which the seed does not decide.
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    seconds_by_event: dict[str, float] = field(default_factory=dict)

    def numbers(self) -> dict[str, Any]:
        """What the seed decides: everything but the time it took."""
        values = dataclasses.asdict(self)
        for name in ("seconds", "cpu_seconds", "seconds_by_event"):
            values.pop(name)
        return values


@dataclass
class SimulationResult:
    reps: int
    days: int
    seed: int
    start: dt.datetime
    teams: int
    kept: bool
    worlds: dict[str, WorldResult]
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "reps": self.reps,
            "days": self.days,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "teams": self.teams,
            "kept": self.kept,
            "worlds": {name: world.numbers() for name, world in self.worlds.items()},
            "seconds": {
                "total": round(self.seconds, 1),
                **{
                    name: {
                        "wall": round(world.seconds, 1),
                        "cpu": round(world.cpu_seconds, 1),
                        "by_event": world.seconds_by_event,
                    }
                    for name, world in self.worlds.items()
                },
            },
        }


# --- one world ----------------------------------------------------------------------------------

ACT, UPKEEP, SWEEP, DISPATCH = 0, 1, 2, 3  # at one moment: people first, the outbox last


@dataclass
class _Rep:
    profile: RepProfile
    user: User
    coach: User
    tz: ZoneInfo
    curriculum: list[Module]
    # One stream per kind of decision, so that what differs between the worlds (refreshers,
    # sessions) does not reshuffle what does not (when they train, how they answer quizzes).
    plan: random.Random
    answers: random.Random
    refreshers: random.Random
    coaching: random.Random
    next_module: int = 0


def world_prefix(*, name: str, seed: int) -> str:
    """How the usernames of a world's people begin."""
    return f"sim-{seed}-{'on' if name == WITH else 'off'}-"


def _workday(day: dt.date, count: int) -> dt.date:
    """``count`` working days after ``day`` (``day`` itself, or the Monday, for 0)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    for _ in range(count):
        day += dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
    return day


class World:
    """One run of the organisation over the simulated days, inside the caller's transaction."""

    def __init__(
        self,
        *,
        name: str,
        seed: int,
        profiles: list[RepProfile],
        content: Content,
        clock: SimulatedClock,
        days: int,
        hold_probability: float,
        progress: Callable[[str], None],
    ):
        self.name, self.seed, self.follow_ups = name, seed, name == WITH
        self.profiles, self.content, self.clock = profiles, content, clock
        self.start, self.days = clock.now, days
        self.end = self.start + dt.timedelta(days=days)
        self.hold_probability = hold_probability
        self.progress = progress
        self.prefix = world_prefix(name=name, seed=seed)
        self.queue: list[tuple[dt.datetime, int, int, Callable, tuple]] = []
        self.sequence = 0
        self.reps: dict[int, _Rep] = {}  # by user id
        self.session_mark = self.reinforcement_mark = 0
        self.completions = 0
        self.timings: Counter[str] = Counter()  # seconds spent per kind of event
        self.skill_ids = {skill.slug: pk for pk, skill in content.skills.items()}

    # -- the event queue --

    def at(self, when: dt.datetime, order: int, action: Callable, *args: Any) -> None:
        if when < self.end:
            self.sequence += 1
            heapq.heappush(self.queue, (when, order, self.sequence, action, args))

    def run(self) -> WorldResult:
        started, cpu = time.monotonic(), time.process_time()
        self._people_create()
        self.session_mark = CoachingSession.objects.aggregate(m=Max("pk"))["m"] or 0
        self.reinforcement_mark = Reinforcement.objects.aggregate(m=Max("pk"))["m"] or 0
        for rep in self.reps.values():
            day = _workday(self.start.astimezone(rep.tz).date(), rep.profile.first_day)
            self.at(self._local(rep, day, rep.plan), ACT, self._module_start, rep)
        self.at(self.start, DISPATCH, self._dispatch)
        self.at(self.start, SWEEP, self._sweep)
        if self.follow_ups:
            self.at(self.start, UPKEEP, self._upkeep)
        self.at(self.start + dt.timedelta(days=7), SWEEP, self._report, started)
        while self.queue:
            when, _order, _sequence, action, args = heapq.heappop(self.queue)
            self.clock.now = when
            began = time.perf_counter()
            action(*args)
            self.timings[action.__name__.strip("_")] += time.perf_counter() - began
        self.clock.now = self.end
        result = self._measure()
        result.seconds = time.monotonic() - started
        result.cpu_seconds = time.process_time() - cpu
        result.seconds_by_event = {
            name: round(seconds, 1) for name, seconds in self.timings.most_common()
        }
        return result

    # -- the organisation --

    def _person(self, *, username: str, role: str, tz: str, password: str, **extra) -> User:
        return User(
            username=username,
            email=f"{username}@example.test",  # a reserved domain: nothing ever arrives
            role=role,
            timezone=tz,
            password=password,
            date_joined=self.start,
            **extra,
        )

    def _people_create(self) -> None:
        _ensure_no_namesakes(prefix=self.prefix, seed=self.seed)
        password = make_password(None)  # hashed once; nobody signs in as a simulated person
        teams = max(profile.team for profile in self.profiles) + 1
        zones = [TEAM_TIME_ZONES[team % len(TEAM_TIME_ZONES)] for team in range(teams)]
        User.objects.bulk_create(
            self._person(
                username=f"{self.prefix}m{team + 1:03d}",
                role=User.Role.MANAGER,
                tz=zones[team],
                password=password,
                first_name="Coach",
                last_name=f"{team + 1:03d}",
            )
            for team in range(teams)
        )
        managers = list(User.objects.filter(username__startswith=self.prefix).order_by("username"))
        User.objects.bulk_create(
            self._person(
                username=f"{self.prefix}r{profile.index + 1:04d}",
                role=User.Role.REP,
                tz=zones[profile.team],
                password=password,
                manager=managers[profile.team],
                first_name="Rep",
                last_name=f"{profile.index + 1:04d}",
            )
            for profile in self.profiles
        )
        users = User.objects.filter(username__startswith=f"{self.prefix}r").in_bulk(
            field_name="username"
        )
        courses = self.content.courses
        enrolments = []
        for profile in self.profiles:
            user = users[f"{self.prefix}r{profile.index + 1:04d}"]
            coach = managers[profile.team]
            user.manager = coach  # the services read it: no query per call
            streams = {
                stream: random.Random(f"{self.seed}:{stream}:{profile.index}")  # noqa: S311
                for stream in ("plan", "answers", "refreshers", "coaching")
            }
            self.reps[user.pk] = _Rep(
                profile=profile,
                user=user,
                coach=coach,
                tz=user.tzinfo,
                curriculum=[m for index in profile.course_order for m in courses[index]],
                **streams,
            )
            # Their manager assigned every course, due by the end of the quarter.
            enrolments.extend(
                Enrolment(
                    user=user,
                    course=courses[index][0].course,
                    assigned_by=coach,
                    due_date=self.end.date(),
                )
                for index in profile.course_order
            )
        Enrolment.objects.bulk_create(enrolments)

    def _local(self, rep: _Rep, day: dt.date, rng: random.Random) -> dt.datetime:
        """Around the rep's favourite hour on ``day`` where they are; never in the past."""
        hours = rep.profile.hour + rng.uniform(-0.5, 0.5)
        wall = dt.datetime.combine(day, dt.time(), tzinfo=rep.tz) + dt.timedelta(hours=hours)
        return max(wall.astimezone(dt.UTC), self.clock.now)

    # -- training --

    def _module_start(self, rep: _Rep) -> None:
        if rep.next_module >= len(rep.curriculum):
            return
        module = rep.curriculum[rep.next_module]
        when = self.clock.now
        for lesson in self.content.lessons.get(module.pk, []):
            self.at(when, ACT, self._lesson, rep, lesson)
            when += dt.timedelta(minutes=lesson.minutes)
        self.at(when, ACT, self._quiz, rep, module)

    def _lesson(self, rep: _Rep, lesson: Lesson) -> None:
        lesson_complete(user=rep.user, lesson=lesson)

    def _module_next(self, rep: _Rep) -> None:
        rep.next_module += 1
        gap = rep.plan.randint(*rep.profile.gap_days)
        day = _workday(self.clock.now.astimezone(rep.tz).date(), gap)
        self.at(self._local(rep, day, rep.plan), ACT, self._module_start, rep)

    def _quiz(self, rep: _Rep, module: Module) -> None:
        now = self.clock.now
        for slug in self.content.module_skills[module.pk]:
            rep.profile.skills[slug].study(now, rep.profile.base_stability)
        quiz = self.content.quizzes[module.pk]
        try:
            attempt = attempt_start(user=rep.user, quiz=quiz)
        except DomainError:  # no attempts left: the module is given up
            self._module_next(rep)
            return
        answers, right = self._answers(rep, attempt.layout, rep.answers)
        result = attempt_submit(attempt=attempt, answers=answers)
        for slug, (correct, total) in right.items():
            rep.profile.skills[slug].retrieve(now, succeeded=correct * 2 > total)
        if result.module_completed:
            self.completions += 1
            self._pick_up()
            self._module_next(rep)
        elif attempt.number < quiz.max_attempts:
            # Back to the lessons, and another try on a later working day.
            day = _workday(now.astimezone(rep.tz).date(), rep.plan.randint(1, 3))
            self.at(self._local(rep, day, rep.plan), ACT, self._quiz, rep, module)
        else:
            self._module_next(rep)

    def _answers(
        self, rep: _Rep, layout: list[dict], rng: random.Random
    ) -> tuple[list[dict], dict[str, tuple[int, int]]]:
        """Answers to the questions shown, each right with the chance the rep's recall gives;
        and per skill, how many were right out of how many."""
        now = self.clock.now
        answers, tally = [], defaultdict(lambda: [0, 0])
        for item in layout:
            slug, correct, wrong = self.content.questions[item["question"]]
            shown = set(item["choices"])
            is_right = rng.random() < rep.profile.skills[slug].p_correct(now)
            if is_right:
                chosen = sorted(correct & shown)
            else:
                options = [pk for pk in wrong if pk in shown]
                chosen = [rng.choice(options)] if options else []
            answers.append({"question": item["question"], "choices": chosen})
            tally[slug][0] += int(is_right)
            tally[slug][1] += 1
        return answers, {slug: (right, total) for slug, (right, total) in tally.items()}

    # -- what the platform asks of them --

    def _pick_up(self) -> None:
        """Find the sessions and reinforcements written since the last look, and plan what the
        people do about them."""
        for session in CoachingSession.objects.filter(pk__gt=self.session_mark).order_by("pk"):
            self.session_mark = session.pk
            rep = self.reps.get(session.rep_id)
            if rep is not None and session.coach_id == rep.coach.pk:
                end = session.scheduled_for + dt.timedelta(minutes=session.duration_minutes)
                self.at(end, ACT, self._hold, rep, session)
        for reinforcement in Reinforcement.objects.filter(pk__gt=self.reinforcement_mark).order_by(
            "pk"
        ):
            self.reinforcement_mark = reinforcement.pk
            rep = self.reps.get(reinforcement.rep_id)
            if rep is None or rep.refreshers.random() >= rep.profile.engagement:
                continue  # left to expire
            delay = dt.timedelta(hours=rep.refreshers.uniform(0.25, 24))
            when = max(reinforcement.due_at, self.clock.now) + delay
            if when < reinforcement.expires_at:
                self.at(when, ACT, self._answer, rep, reinforcement)

    def _hold(self, rep: _Rep, session: CoachingSession) -> None:
        """At the end of its slot the coach records the session as held, with the set
        probability, rating what they saw of the rep's true skill."""
        now, rng = self.clock.now, rep.coaching
        if rng.random() >= self.hold_probability:
            return  # not held: the sweep marks it missed after the grace period
        if session.focus_skill_id:
            slugs = [self.content.skills[session.focus_skill_id].slug]
        else:
            slugs = [self.content.skills[s["id"]].slug for s in session.agenda.get("skills", [])]
        observations = []
        for slug in slugs:
            truth = rep.profile.skills[slug]
            level = truth.aptitude * truth.recall(now)
            rating = min(max(round(1 + 4 * level + rng.gauss(0, RATING_NOISE)), 1), 5)
            observations.append(
                {"skill": self.skill_ids[slug], "rating": rating, "evidence": "Role-play."}
            )
        commitments = []
        if slugs and rng.random() < COMMITMENT_RATE:
            commitments.append(
                {
                    "text": f"Use {slugs[0].replace('-', ' ')} on two live calls",
                    "skill": self.skill_ids[slugs[0]],
                    "due_date": now.astimezone(rep.tz).date() + dt.timedelta(days=COMMITMENT_DAYS),
                }
            )
        session_hold(
            actor=rep.coach,
            session=session,
            notes="Worked through the agenda.",
            observations=observations,
            commitments=commitments,
        )
        for slug in slugs:
            rep.profile.skills[slug].coached(now)
        if commitments and rng.random() < rep.profile.follow_through:
            commitment = Commitment.objects.filter(session=session).first()
            day = commitment.due_date - dt.timedelta(days=rng.randint(1, 5))
            self.at(self._local(rep, day, rng), ACT, self._keep, rep, commitment, slugs[0])

    def _keep(self, rep: _Rep, commitment: Commitment, slug: str) -> None:
        commitment_mark_kept(rep=rep.user, commitment=commitment, note="Done.")
        rep.profile.skills[slug].applied(self.clock.now)

    def _answer(self, rep: _Rep, reinforcement: Reinforcement) -> None:
        layout = []
        for pk in reinforcement.question_ids:
            _slug, correct, wrong = self.content.questions[pk]
            layout.append({"question": pk, "choices": [*sorted(correct), *wrong]})
        answers, right = self._answers(rep, layout, rep.refreshers)
        reinforcement_answer(
            rep=rep.user, reinforcement=reinforcement, answers=answers, now=self.clock.now
        )
        for slug, (correct, total) in right.items():
            rep.profile.skills[slug].retrieve(self.clock.now, succeeded=correct * 2 > total)

    # -- the periodic jobs, as beat and the workers run them --

    def _dispatch(self) -> None:
        """The dispatcher claims what is due and each send task delivers a batch of it."""
        now = self.clock.now
        while True:
            ids = reminders_claim_due(now=now, batch_size=DISPATCH_BATCH_SIZE)
            for start in range(0, len(ids), SEND_BATCH_SIZE):
                reminders_deliver(reminder_ids=ids[start : start + SEND_BATCH_SIZE], now=now)
            if len(ids) < DISPATCH_BATCH_SIZE:
                break
        self.at(now + dt.timedelta(minutes=DISPATCH_MINUTES), DISPATCH, self._dispatch)

    def _sweep(self) -> None:
        now = self.clock.now
        sessions_mark_missed(now=now)
        if timezone.localtime(now).hour == 0:
            # Its "today" changes only at midnight: the other hourly runs would find nothing.
            commitments_mark_missed(today=timezone.localdate())
        self.at(now + dt.timedelta(minutes=SESSION_SWEEP_MINUTES), SWEEP, self._sweep)

    def _upkeep(self) -> None:
        skill_upkeep_run(now=self.clock.now)
        self._pick_up()
        self.at(self.clock.now + dt.timedelta(minutes=UPKEEP_MINUTES), UPKEEP, self._upkeep)

    def _report(self, started: float) -> None:
        day = (self.clock.now - self.start).days
        self.progress(
            f"  {LABELS[self.name]}: day {day}/{self.days}, {self.completions} completions, "
            f"{time.monotonic() - started:.0f} s"
        )
        self.at(self.clock.now + dt.timedelta(days=7), SWEEP, self._report, started)

    # -- the numbers --

    def _measure(self) -> WorldResult:
        people = User.objects.filter(username__startswith=self.prefix)
        reps = people.filter(role=User.Role.REP)
        result = WorldResult(name=self.name)
        completed_at = dict(
            ModuleCompletion.objects.filter(user__in=reps).values_list("pk", "completed_at")
        )
        result.completions = len(completed_at)
        sessions = list(
            CoachingSession.objects.filter(rep__in=reps).values(
                "completion_id", "scheduled_for", "duration_minutes", "status", "source", "late"
            )
        )
        held = [s for s in sessions if s["status"] == CoachingSession.Status.HELD]
        window = dt.timedelta(hours=settings.COACHING_FOLLOW_UP_HOURS)
        coached = sum(
            1
            for s in held
            if s["completion_id"] in completed_at
            and s["scheduled_for"] - completed_at[s["completion_id"]] <= window
        )
        result.coached_within_48h = coached / len(completed_at) if completed_at else 0.0
        sources = Counter(s["source"] for s in sessions)
        result.sessions_booked = len(sessions)
        result.follow_up_sessions = sources[CoachingSession.Source.AFTER_TRAINING]
        result.decay_sessions = sources[CoachingSession.Source.DECAY]
        result.sessions_held = len(held)
        result.sessions_missed = sum(
            1 for s in sessions if s["status"] == CoachingSession.Status.MISSED
        )
        result.late_bookings = sum(1 for s in sessions if s["late"])
        result.manager_hours = round(sum(s["duration_minutes"] for s in held) / 60, 1)
        result.reminders_sent = Reminder.objects.filter(
            recipient__in=people, status=Reminder.Status.SENT
        ).count()
        reinforcements = Counter(
            Reinforcement.objects.filter(rep__in=reps).values_list("status", flat=True)
        )
        result.reinforcements_opened = sum(reinforcements.values())
        result.reinforcements_answered = reinforcements[Reinforcement.Status.ANSWERED]
        result.commitments_kept = Commitment.objects.filter(
            rep__in=reps, status=Commitment.Status.KEPT
        ).count()

        forecasts: dict[str, list[float]] = defaultdict(list)
        for memory in SkillMemory.objects.filter(rep__in=reps).select_related("skill"):
            forecasts[memory.skill.slug].append(retention_forecast(memory=memory, at=self.end))
        truths: dict[str, list[float]] = defaultdict(list)
        for rep in self.reps.values():
            for slug, truth in rep.profile.skills.items():
                if truth.last is not None:
                    truths[slug].append(truth.recall(self.end))
        for slug in self.content.skill_slugs:
            result.forecast_retention[slug] = _mean(forecasts.get(slug))
            result.true_recall[slug] = _mean(truths.get(slug))
        return result

    def leftovers_cancel(self) -> None:
        """A kept world's unsent reminders are cancelled: the live dispatcher must not send
        simulated people what was due in the simulated past."""
        reminders_cancel(
            reminders=Reminder.objects.filter(
                recipient__in=User.objects.filter(username__startswith=self.prefix)
            )
        )


def _mean(values: list[float] | None) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


# --- both worlds --------------------------------------------------------------------------------


def _ensure_no_namesakes(*, prefix: str, seed: int) -> None:
    if User.objects.filter(username__startswith=prefix).exists():
        raise DomainError(
            f"People named {prefix}… exist already, from a kept simulation with seed {seed}. "
            "Choose another --seed."
        )


def _ensure_clear_for_keeping(*, seed: int, start: dt.datetime, end: dt.datetime) -> None:
    """A kept world commits what the simulated jobs did, and they act on everyone: refuse when
    anyone else has something they would act on before the simulated end."""
    prefix = world_prefix(name=WITH, seed=seed)
    _ensure_no_namesakes(prefix=prefix, seed=seed)
    others = User.objects.exclude(username__startswith=prefix)
    live = {
        "reminders": Reminder.objects.filter(
            recipient__in=others,
            status__in=[Reminder.Status.PENDING, Reminder.Status.QUEUED],
            due_at__lt=end,
        ),
        "sessions": CoachingSession.objects.filter(
            rep__in=others, status=CoachingSession.Status.SCHEDULED, scheduled_for__lt=end
        ),
        "commitments": Commitment.objects.filter(
            rep__in=others, status=Commitment.Status.OPEN, due_date__lt=end.date()
        ),
        "skill memories": SkillMemory.objects.filter(rep__in=others, next_due_at__lt=end),
        "reinforcements": Reinforcement.objects.filter(
            rep__in=others, status=Reinforcement.Status.PENDING
        ),
    }
    busy = [name for name, rows in live.items() if rows.exists()]
    if busy:
        raise DomainError(
            f"Cannot keep a world from {start:%Y-%m-%d}: the simulated jobs would act on other "
            f"people's {', '.join(busy)} before {end:%Y-%m-%d}. Choose an earlier --start."
        )


def _world_run(
    *,
    name: str,
    reps: int,
    days: int,
    seed: int,
    start: dt.datetime,
    keep: bool,
    team_size: int,
    hold_probability: float,
    progress: Callable[[str], None],
) -> WorldResult:
    clock = SimulatedClock(start)
    with clock_moved(clock, seed=f"{seed}:quizzes"), _quiet_services(), transaction.atomic():
        content = content_load()
        world = World(
            name=name,
            seed=seed,
            profiles=profiles_draw(
                seed=seed,
                reps=reps,
                team_size=team_size,
                skill_slugs=content.skill_slugs,
                courses=len(content.courses),
            ),
            content=content,
            clock=clock,
            days=days,
            hold_probability=hold_probability,
            progress=progress,
        )
        if world.follow_ups:
            result = world.run()
        else:
            with follow_ups_switched_off():
                result = world.run()
        if keep:
            world.leftovers_cancel()
        else:
            transaction.set_rollback(True)
    return result


def simulation_run(
    *,
    reps: int,
    days: int,
    seed: int,
    start: dt.datetime | None = None,
    keep: bool = False,
    team_size: int = 8,
    hold_probability: float = 0.85,
    progress: Callable[[str], None] | None = None,
) -> SimulationResult:
    """Run the organisation without follow-ups, then with them, and count what happened.

    Each world is one transaction, rolled back once counted. With ``keep`` the world with
    follow-ups is committed (its unsent reminders cancelled); the comparison is always rolled
    back, so the two never meet in the database. Raises DomainError for bad arguments, or when
    a kept world would act on other people's data.
    """
    if reps < 1:
        raise DomainError("--reps must be at least 1.")
    if days < 1:
        raise DomainError("--days must be at least 1.")
    if team_size < 1:
        raise DomainError("--team-size must be at least 1.")
    if not 0 <= hold_probability <= 1:
        raise DomainError("--hold-probability must be between 0 and 1.")
    start = start or DEFAULT_START
    if timezone.is_naive(start):
        raise DomainError("The start needs a time zone.")
    if keep:
        # Before anything runs: the kept world is the second one.
        _ensure_clear_for_keeping(seed=seed, start=start, end=start + dt.timedelta(days=days))
    progress = progress or (lambda message: None)
    began = time.monotonic()
    teams = math.ceil(reps / team_size)
    worlds = {}
    for name in (WITHOUT, WITH):
        progress(f"{LABELS[name]}: {reps} reps in {teams} teams, {days} days")
        worlds[name] = world = _world_run(
            name=name,
            reps=reps,
            days=days,
            seed=seed,
            start=start,
            keep=keep and name == WITH,
            team_size=team_size,
            hold_probability=hold_probability,
            progress=progress,
        )
        busiest = ", ".join(
            f"{event} {seconds:.0f} s" for event, seconds in world.seconds_by_event.items()
        )
        progress(
            f"{LABELS[name]}: done in {world.seconds:.0f} s ({world.cpu_seconds:.0f} s CPU): "
            f"{busiest}"
        )
    return SimulationResult(
        reps=reps,
        days=days,
        seed=seed,
        start=start,
        teams=teams,
        kept=keep,
        worlds={WITH: worlds[WITH], WITHOUT: worlds[WITHOUT]},
        seconds=time.monotonic() - began,
    )


# --- the table ----------------------------------------------------------------------------------


def _recall(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def simulation_table(*, result: SimulationResult) -> str:
    """The two worlds side by side, as plain text."""
    on, off = result.worlds[WITH], result.worlds[WITHOUT]

    def row(label: str, show: Callable[[WorldResult], str]) -> tuple[str, str, str]:
        return label, show(on), show(off)

    rows = [
        row("module completions", lambda w: str(w.completions)),
        row("completions coached within 48 h", lambda w: f"{100 * w.coached_within_48h:.1f} %"),
        row("sessions booked", lambda w: str(w.sessions_booked)),
        row("  after training", lambda w: str(w.follow_up_sessions)),
        row("  on skill decay", lambda w: str(w.decay_sessions)),
        row("sessions held", lambda w: str(w.sessions_held)),
        row("sessions missed", lambda w: str(w.sessions_missed)),
        row("late bookings", lambda w: str(w.late_bookings)),
        row("reminders sent", lambda w: str(w.reminders_sent)),
        row(
            "reinforcements answered / opened",
            lambda w: f"{w.reinforcements_answered} / {w.reinforcements_opened}",
        ),
        row("commitments kept", lambda w: str(w.commitments_kept)),
        row("manager hours", lambda w: f"{w.manager_hours:.1f}"),
        ("forecast retention at the end", "", ""),
        *(
            row(f"  {slug}", lambda w, slug=slug: _recall(w.forecast_retention[slug]))
            for slug in on.forecast_retention
        ),
        ("simulated true recall at the end", "", ""),
        *(
            row(f"  {slug}", lambda w, slug=slug: _recall(w.true_recall[slug]))
            for slug in on.true_recall
        ),
        row("time", lambda w: f"{w.seconds:.0f} s"),
    ]
    width = max(len(label) for label, _, _ in rows) + 2
    lines = [
        f"Simulated quarter: {result.reps} reps in {result.teams} teams, {result.days} days "
        f"from {result.start:%Y-%m-%d}, seed {result.seed}",
        "",
        f"{'':<{width}}{LABELS[WITH]:>16}{LABELS[WITHOUT]:>12}",
    ]
    lines += [f"{label:<{width}}{a:>16}{b:>12}" for label, a, b in rows]
    return "\n".join(lines)
