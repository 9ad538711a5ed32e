"""One world: the organisation living through the simulated days, through the real services.

A world is an event queue ordered by simulated time, and a clock (time-machine's traveller)
moved to each event before it runs, so every service, ``auto_now`` field and
``timezone.localdate()`` sees the simulated moment. The people act through the services that
pages and the API call (lessons, quiz attempts, reinforcement answers, held sessions, kept
commitments); the product's periodic jobs run on the same clock (the reminder outbox, the
missed-session and missed-commitment sweeps, skill upkeep). New sessions and reinforcements are
found by looking for rows the services wrote, so the follow-up is booked by the product.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max
from django.utils import timezone
from time_machine import Traveller

from accounts.models import User
from coaching.models import (
    CoachingSession,
    Commitment,
    DeferredCoaching,
    MentorPairing,
    Reinforcement,
)
from coaching.reminders.outbox import reminders_claim_due, reminders_deliver
from coaching.sessions.commitments import commitment_mark_kept, commitments_mark_missed
from coaching.sessions.decay import skill_upkeep_run
from coaching.sessions.deferred import deferred_dismiss
from coaching.sessions.mentoring import pairing_approve, peer_session_book
from coaching.sessions.pairing import mentor_proposals, mentor_proposed
from coaching.sessions.records import session_hold
from coaching.sessions.services import sessions_mark_missed
from coaching.sessions.slots import NoSlotFound
from coaching.simulation.content import Content
from coaching.simulation.people import SimulatedRep, people_create, world_prefix
from coaching.simulation.profiles import (
    COMMITMENT_DAYS,
    COMMITMENT_RATE,
    PEER_RATING_NOISE,
    RepProfile,
)
from coaching.simulation.results import LABELS, WorldResult, world_measure
from coaching.skills.refreshers import reinforcement_answer
from config.errors import DomainError
from lms.models import Lesson, Module
from lms.services import attempt_start, attempt_submit, lesson_complete

# How often the simulated beat runs each job (the real beat: 30 s, 5 min, 1 h and 15 min).
DISPATCH_MINUTES = 30
SESSION_SWEEP_MINUTES = 60
UPKEEP_MINUTES = 360
ACT, UPKEEP, SWEEP, DISPATCH = 0, 1, 2, 3  # at one moment: people first, the outbox last
# When a manager goes through their dashboard, each working day, in their own time zone.
MANAGER_ROUND_HOUR = 8.5


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
    """One run of the organisation over the simulated days, inside the caller's transaction,
    starting where ``clock`` stands."""

    def __init__(
        self,
        *,
        name: str,
        seed: int,
        profiles: list[RepProfile],
        content: Content,
        clock: Traveller,
        days: int,
        hold_probability: float,
        progress: Callable[[str], None],
        upkeep: bool,
        peer_practice: bool = False,
    ):
        self.name, self.seed = name, seed
        # Skill upkeep (reinforcements, coaching on decay) runs as the beat would.
        self.upkeep = upkeep
        # The managers approve the mentor pairs proposed and book peer practice for what the
        # budget did not take; the mentors hold it.
        self.peer_practice = peer_practice
        self.profiles, self.content, self.clock = profiles, content, clock
        self.start, self.days = self.now, days
        self.end = self.start + dt.timedelta(days=days)
        self.hold_probability = hold_probability
        self.progress = progress
        self.prefix = world_prefix(name=name, seed=seed)
        self.queue: list[tuple[dt.datetime, int, int, Callable, tuple]] = []
        self.sequence = 0
        self.reps: dict[int, SimulatedRep] = {}  # by user id
        self.session_mark = self.reinforcement_mark = 0
        self.completions = 0
        self.timings: dict[str, float] = defaultdict(float)  # seconds per kind of event
        self.skill_ids = {skill.slug: pk for pk, skill in content.skills.items()}
        # The quiz engine's draw of questions, seeded so that a run repeats exactly.
        self.quiz_draw = random.Random(f"{seed}:quizzes")  # noqa: S311 - not a secret

    @property
    def now(self) -> dt.datetime:
        return timezone.now()

    # -- the event queue --

    def at(self, when: dt.datetime, order: int, action: Callable, *args: Any) -> None:
        if when < self.end:
            self.sequence += 1
            heapq.heappush(self.queue, (when, order, self.sequence, action, args))

    def run(self) -> WorldResult:
        started, cpu = time.monotonic(), time.process_time()
        self.reps = people_create(
            prefix=self.prefix,
            seed=self.seed,
            profiles=self.profiles,
            content=self.content,
            start=self.start,
            end=self.end,
        )
        self.session_mark = CoachingSession.objects.aggregate(m=Max("pk"))["m"] or 0
        self.reinforcement_mark = Reinforcement.objects.aggregate(m=Max("pk"))["m"] or 0
        for rep in self.reps.values():
            day = _workday(self.start.astimezone(rep.tz).date(), rep.profile.first_day)
            self.at(self._local(rep, day, rep.plan), ACT, self._module_start, rep)
        self.at(self.start, DISPATCH, self._dispatch)
        self.at(self.start, SWEEP, self._sweep)
        if self.upkeep:
            self.at(self.start, UPKEEP, self._upkeep)
        if self.peer_practice:
            managers = {rep.coach.pk: (rep.coach, rep.tz) for rep in self.reps.values()}
            for manager, tz in managers.values():
                day = _workday(self.start.astimezone(tz).date(), 0)
                self.at(self._round_time(day, tz), ACT, self._manager_round, manager, tz)
        self.at(self.start + dt.timedelta(days=7), SWEEP, self._report, started)
        while self.queue:
            when, _order, _sequence, action, args = heapq.heappop(self.queue)
            self.clock.move_to(when)
            began = time.perf_counter()
            action(*args)
            self.timings[action.__name__.strip("_")] += time.perf_counter() - began
        self.clock.move_to(self.end)
        result = world_measure(
            name=self.name,
            prefix=self.prefix,
            end=self.end,
            profiles=[rep.profile for rep in self.reps.values()],
            skill_slugs=self.content.skill_slugs,
        )
        result.seconds = time.monotonic() - started
        result.cpu_seconds = time.process_time() - cpu
        result.seconds_by_event = {
            name: round(seconds, 1)
            for name, seconds in sorted(self.timings.items(), key=lambda item: -item[1])
        }
        return result

    def _local(self, rep: SimulatedRep, day: dt.date, rng: random.Random) -> dt.datetime:
        """Around the rep's favourite hour on ``day`` where they are; never in the past."""
        hours = rep.profile.hour + rng.uniform(-0.5, 0.5)
        wall = dt.datetime.combine(day, dt.time(), tzinfo=rep.tz) + dt.timedelta(hours=hours)
        return max(wall.astimezone(dt.UTC), self.now)

    # -- training --

    def _module_start(self, rep: SimulatedRep) -> None:
        if rep.next_module >= len(rep.curriculum):
            return
        module = rep.curriculum[rep.next_module]
        when = self.now
        for lesson in self.content.lessons.get(module.pk, []):
            self.at(when, ACT, self._lesson, rep, lesson)
            when += dt.timedelta(minutes=lesson.minutes)
        self.at(when, ACT, self._quiz, rep, module)

    def _lesson(self, rep: SimulatedRep, lesson: Lesson) -> None:
        lesson_complete(user=rep.user, lesson=lesson)

    def _module_next(self, rep: SimulatedRep) -> None:
        rep.next_module += 1
        gap = rep.plan.randint(*rep.profile.gap_days)
        day = _workday(self.now.astimezone(rep.tz).date(), gap)
        self.at(self._local(rep, day, rep.plan), ACT, self._module_start, rep)

    def _quiz(self, rep: SimulatedRep, module: Module) -> None:
        now = self.now
        for slug in self.content.module_skills[module.pk]:
            rep.profile.skills[slug].study(now, rep.profile.base_stability)
        quiz = self.content.quizzes[module.pk]
        try:
            attempt = attempt_start(user=rep.user, quiz=quiz, rng=self.quiz_draw)
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
        self, rep: SimulatedRep, layout: list[dict], rng: random.Random
    ) -> tuple[list[dict], dict[str, tuple[int, int]]]:
        """Answers to the questions shown, each right with the chance the rep's recall gives;
        and per skill, how many were right out of how many."""
        now = self.now
        answers: list[dict] = []
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
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
            if rep is None:
                continue
            if session.source == CoachingSession.Source.PEER:
                mentor = self.reps.get(session.coach_id)
                if mentor is not None:
                    self.at(session.ends_at, ACT, self._peer_hold, rep, mentor, session)
            elif session.coach_id == rep.coach.pk:
                self.at(session.ends_at, ACT, self._hold, rep, session)
        for reinforcement in Reinforcement.objects.filter(pk__gt=self.reinforcement_mark).order_by(
            "pk"
        ):
            self.reinforcement_mark = reinforcement.pk
            rep = self.reps.get(reinforcement.rep_id)
            if rep is None or rep.refreshers.random() >= rep.profile.engagement:
                continue  # left to expire
            delay = dt.timedelta(hours=rep.refreshers.uniform(0.25, 24))
            when = max(reinforcement.due_at, self.now) + delay
            if when < reinforcement.expires_at:
                self.at(when, ACT, self._answer, rep, reinforcement)

    def _hold(self, rep: SimulatedRep, session: CoachingSession) -> None:
        """At the end of its slot the coach records the session as held, with the set
        probability, rating what they saw of the rep's true skill."""
        now, rng = self.now, rep.coaching
        if rng.random() >= self.hold_probability:
            return  # not held: the sweep marks it missed after the grace period
        if session.focus_skill_id:
            slugs = [self.content.skills[session.focus_skill_id].slug]
        else:
            slugs = [self.content.skills[s["id"]].slug for s in session.agenda.get("skills", [])]
        observations = [
            {
                "skill": self.skill_ids[slug],
                "rating": rep.profile.skills[slug].rating(now, rng),
                "evidence": "Role-play.",
            }
            for slug in slugs
        ]
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
            commitment = Commitment.objects.get(session=session)
            day = commitment.due_date - dt.timedelta(days=rng.randint(1, 5))
            self.at(self._local(rep, day, rng), ACT, self._keep, rep, commitment, slugs[0])

    # -- peer practice: what the managers and the mentors do under the budgeted policy --

    def _round_time(self, day: dt.date, tz: ZoneInfo) -> dt.datetime:
        wall = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        return (wall + dt.timedelta(hours=MANAGER_ROUND_HOUR)).astimezone(dt.UTC)

    def _manager_round(self, manager: User, tz: ZoneInfo) -> None:
        """The manager's look at their dashboard: every proposed mentor pair approved (which
        books its first peer practice), then what the budget did not take handled by its
        alternative: peer practice booked where a mentor exists, refreshers relied on
        otherwise; both set aside as met another way. Nothing is pulled into the week."""
        now = self.now
        for proposal in mentor_proposals(manager=manager, now=now):
            self._approve(manager, proposal.mentee.pk, proposal.mentor.pk, proposal.skill.pk)
        waiting = DeferredCoaching.objects.filter(
            coach=manager, status=DeferredCoaching.Status.WAITING
        ).order_by("pk")
        for item in waiting:
            if item.alternative == DeferredCoaching.Alternative.PEER and item.skill_id:
                self._peer_practice_book(manager, item.rep_id, item.skill_id)
            deferred_dismiss(actor=manager, item_id=item.pk, now=now)
        self._pick_up()
        day = _workday(now.astimezone(tz).date(), 1)
        self.at(self._round_time(day, tz), ACT, self._manager_round, manager, tz)

    def _approve(self, manager: User, mentee_id: int, mentor_id: int, skill_id: int) -> None:
        # No time free for both, or decided meanwhile: not this time.
        with contextlib.suppress(DomainError):
            pairing_approve(
                actor=manager,
                mentee_id=mentee_id,
                mentor_id=mentor_id,
                skill_id=skill_id,
                now=self.now,
            )

    def _peer_practice_book(self, manager: User, rep_id: int, skill_id: int) -> None:
        """Peer practice for a rep on a skill: with their mentor if a pairing stands (unless a
        session is already booked), else by approving the mentor the pairing rule names."""
        pairing = (
            MentorPairing.objects.filter(
                mentee_id=rep_id, skill_id=skill_id, status=MentorPairing.Status.ACTIVE
            )
            .select_related("mentor", "mentee", "skill")
            .first()
        )
        if pairing is None:
            mentor = mentor_proposed(rep_id=rep_id, skill_id=skill_id, now=self.now)
            if mentor is not None:
                self._approve(manager, rep_id, mentor.pk, skill_id)
            return
        booked = CoachingSession.objects.scheduled().filter(
            rep_id=rep_id, focus_skill_id=skill_id, source=CoachingSession.Source.PEER
        )
        if booked.exists():
            return
        # No slot free for both in reach: the refreshers carry on.
        with contextlib.suppress(NoSlotFound):
            peer_session_book(pairing=pairing, now=self.now, booked_by=manager)

    def _peer_hold(self, rep: SimulatedRep, mentor: SimulatedRep, session: CoachingSession) -> None:
        """At the end of its slot the mentor records the peer practice as held, with the set
        probability, rating the mentee's true skill less surely than a manager would."""
        now, rng = self.now, rep.peers
        if rng.random() >= self.hold_probability or not session.focus_skill_id:
            return  # not held: the sweep marks it missed after the grace period
        slug = self.content.skills[session.focus_skill_id].slug
        session_hold(
            actor=mentor.user,
            session=session,
            notes="Role-played the practice task together.",
            observations=[
                {
                    "skill": session.focus_skill_id,
                    "rating": rep.profile.skills[slug].rating(now, rng, PEER_RATING_NOISE),
                    "evidence": "Peer role-play.",
                }
            ],
        )
        rep.profile.skills[slug].peer_practised(now)
        mentor.profile.skills[slug].taught(now)

    def _keep(self, rep: SimulatedRep, commitment: Commitment, slug: str) -> None:
        commitment_mark_kept(rep=rep.user, commitment=commitment, note="Done.")
        rep.profile.skills[slug].applied(self.now)

    def _answer(self, rep: SimulatedRep, reinforcement: Reinforcement) -> None:
        layout = []
        for pk in reinforcement.question_ids:
            _slug, right_ids, wrong_ids = self.content.questions[pk]
            layout.append({"question": pk, "choices": [*sorted(right_ids), *wrong_ids]})
        answers, right = self._answers(rep, layout, rep.refreshers)
        now = self.now
        reinforcement_answer(rep=rep.user, reinforcement=reinforcement, answers=answers, now=now)
        for slug, (correct, total) in right.items():
            rep.profile.skills[slug].retrieve(now, succeeded=correct * 2 > total)

    # -- the periodic jobs, as beat and the workers run them --

    def _dispatch(self) -> None:
        """The dispatcher claims what is due, a batch at a time, and delivers each batch as
        its send task would."""
        now = self.now
        while ids := reminders_claim_due(now=now):
            reminders_deliver(reminder_ids=ids, now=now)
        self.at(now + dt.timedelta(minutes=DISPATCH_MINUTES), DISPATCH, self._dispatch)

    def _sweep(self) -> None:
        now = self.now
        sessions_mark_missed(now=now)
        if timezone.localtime(now).hour == 0:
            # Its "today" changes only at midnight: the other hourly runs would find nothing.
            commitments_mark_missed(today=timezone.localdate())
        self.at(now + dt.timedelta(minutes=SESSION_SWEEP_MINUTES), SWEEP, self._sweep)

    def _upkeep(self) -> None:
        skill_upkeep_run(now=self.now)
        self._pick_up()
        self.at(self.now + dt.timedelta(minutes=UPKEEP_MINUTES), UPKEEP, self._upkeep)

    def _report(self, started: float) -> None:
        day = (self.now - self.start).days
        self.progress(
            f"  {LABELS[self.name]}: day {day}/{self.days}, {self.completions} completions, "
            f"{time.monotonic() - started:.0f} s"
        )
        self.at(self.now + dt.timedelta(days=7), SWEEP, self._report, started)
