"""The measurements: HTTP load with wrk, queries per request, reminder delivery throughput.

Imported once Django is set up against the benchmark's database (bench/run.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.org import Org
from bench.prepare import ReadySubmit, due_reminders_insert, due_reminders_remove
from bench.stack import BenchError, redis_queue_length
from coaching.models import Reminder

LUA = Path(__file__).resolve().parent / "load.lua"


# --- what is measured -------------------------------------------------------------------------


@dataclass
class Endpoint:
    """One measured request: a list of prepared requests, one per person (or per attempt)."""

    key: str
    label: str
    kind: str  # ceiling, floor, page, list, submit
    lines: list[str] = field(default_factory=list)
    # Served from an entry cached per person (or team): the load run measures the steady state,
    # after each person's first request has filled theirs; that first request is timed apart.
    cached_per_person: bool = False

    @property
    def path(self) -> str:
        return self.lines[0].split("\t")[1] if self.lines else ""


def request_line(method: str, path: str, headers: dict[str, str], body: str = "") -> str:
    header_text = "|".join(f"{name}:{value}" for name, value in headers.items())
    return f"{method}\t{path}\t{header_text}\t{body}"


def _parse(line: str) -> tuple[str, str, dict[str, str], str]:
    method, path, header_text, body = line.split("\t", 3)
    headers = {}
    for item in filter(None, header_text.split("|")):
        name, value = item.split(":", 1)
        headers[name] = value
    return method, path, headers, body


def read_endpoints(org: Org) -> list[Endpoint]:
    """The ceiling, then the pages and lists, each asked for by many different people."""
    reps = [pk for pk in org.rep_ids if pk in org.cookies]
    managers = org.manager_ids

    def cookie(pk: int) -> dict[str, str]:
        return {"Cookie": f"sessionid={org.cookies[pk]}"}

    def token(pk: int) -> dict[str, str]:
        return {"Authorization": f"Token {org.tokens[pk]}", "Accept": "application/json"}

    return [
        Endpoint(
            "ceiling",
            "Ceiling: bare view, full middleware",
            "ceiling",
            [request_line("GET", "/bench/ceiling", {})],
        ),
        Endpoint(
            "floor",
            "Floor: bare view, signed in (session)",
            "floor",
            [request_line("GET", "/bench/signed-in", cookie(pk)) for pk in reps],
        ),
        Endpoint(
            "my_learning",
            'Rep: "My learning" page /learn/',
            "page",
            [request_line("GET", "/learn/", cookie(pk)) for pk in reps],
        ),
        Endpoint(
            "courses_api",
            "Rep: course list API /api/v1/courses/",
            "list",
            [request_line("GET", "/api/v1/courses/", token(pk)) for pk in reps],
        ),
        Endpoint(
            "dashboard",
            "Manager: dashboard /coaching/dashboard/",
            "page",
            [request_line("GET", "/coaching/dashboard/", cookie(pk)) for pk in managers],
            cached_per_person=True,
        ),
        Endpoint(
            "team_skills_api",
            "Manager: team skills API /api/v1/team/skills/",
            "list",
            [request_line("GET", "/api/v1/team/skills/", token(pk)) for pk in managers],
            cached_per_person=True,
        ),
    ]


def submit_endpoint(org: Org, pool: list[ReadySubmit]) -> Endpoint:
    return Endpoint(
        "submit",
        "Rep: quiz submit that completes a module",
        "submit",
        [
            request_line(
                "POST",
                f"/api/v1/attempts/{ready.attempt_id}/submit/",
                {
                    "Authorization": f"Token {org.tokens[ready.user_id]}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                ready.body,
            )
            for ready in pool
        ],
    )


# --- queries per request ----------------------------------------------------------------------


def queries_for(line: str) -> tuple[int, int, list[str]]:
    """Run one prepared request through Django's test client: status, query count, the SQL."""
    status, captured, _ = _through_client(line)
    return status, len(captured), [q["sql"] for q in captured.captured_queries]


def timed(line: str) -> float:
    """One prepared request through Django's test client, in this process: milliseconds."""
    return _through_client(line)[2]


def _through_client(line: str) -> tuple[int, CaptureQueriesContext, float]:
    method, path, headers, body = _parse(line)
    content_type = headers.pop("Content-Type", "application/octet-stream")
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.generic(
            method, path, data=body, content_type=content_type, headers=headers
        )
        elapsed = (time.perf_counter() - started) * 1000
    return response.status_code, captured, elapsed


# --- load -------------------------------------------------------------------------------------


def smoke(base_url: str, line: str) -> int:
    """One real request to the running server; its HTTP status."""
    method, path, headers, body = _parse(line)
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base_url + path, data=body.encode() or None, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def settle(base_url: str, *, timeout: float = 120.0) -> None:
    """Wait until the server has worked through what a finished run left queued.

    wrk stops with requests still in the server's backlog; the workers finish them even
    though nobody reads the answers. The next figure must not start behind them.
    """
    deadline = time.monotonic() + timeout
    quick = 0
    while time.monotonic() < deadline and quick < 3:
        began = time.monotonic()
        smoke(base_url, request_line("GET", "/bench/ceiling", {}))
        quick = quick + 1 if time.monotonic() - began < 0.05 else 0


def wrk_run(
    *,
    wrk: str,
    base_url: str,
    lines: list[str],
    seconds: int,
    connections: int,
    threads: int,
    out_dir: Path,
    name: str,
) -> dict[str, Any]:
    """Run wrk for ``seconds`` over the prepared ``lines``; its figures as a dict."""
    requests_file = out_dir / f"{name}.requests"
    requests_file.write_text("\n".join(lines) + "\n")
    result_file = out_dir / f"{name}.wrk.json"
    result_file.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BENCH_WRK_THREADS": str(threads),
        "BENCH_WRK_OUT": str(result_file),
    }
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        "--timeout=10s",
        f"--script={LUA}",
        base_url,
        "--",
        str(requests_file),
    ]
    with (out_dir / f"{name}.wrk.txt").open("w") as out:
        done = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=seconds + 60
        )
    settle(base_url)
    if done.returncode != 0 or not result_file.exists():
        raise BenchError(f"wrk failed for {name}; see {out_dir / (name + '.wrk.txt')}")
    raw = json.loads(result_file.read_text())
    errors = raw["errors"]
    failed = errors["status"] + errors["timeout"] + errors["connect"] + errors["read"]
    seconds_run = raw["duration_us"] / 1e6
    if not raw["requests"]:
        # Nothing finished in the time given: no latency to report, and the caller says so.
        return {"requests": 0, "seconds": round(seconds_run, 2), "rps": 0.0, "errors": failed}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_run, 2),
        "rps": round(raw["requests"] / seconds_run, 1),
        "p50_ms": round(raw["latency_us"]["p50"] / 1000, 1),
        "p95_ms": round(raw["latency_us"]["p95"] / 1000, 1),
        "p99_ms": round(raw["latency_us"]["p99"] / 1000, 1),
        "mean_ms": round(raw["latency_us"]["mean"] / 1000, 1),
        "errors": failed,
        "error_detail": errors,
    }


# --- reminder delivery ------------------------------------------------------------------------


STALL_SECONDS = 30.0


def _pending_due() -> int:
    # Served by the partial index on pending reminders, so polling costs the database little.
    return Reminder.objects.filter(
        status=Reminder.Status.PENDING, due_at__lte=timezone.now()
    ).count()


# Claimed, or an email being sent: both still owe a delivery.
IN_FLIGHT = (Reminder.Status.QUEUED, Reminder.Status.SENDING)


def _unfinished() -> int:
    """Due reminders not yet sent, cancelled or failed (the batch is the only due work)."""
    return _pending_due() + Reminder.objects.filter(status__in=IN_FLIGHT).count()


def _wait_delivered(count: int, *, started: float, cap_seconds: float, kick=None) -> tuple:
    """Poll until every reminder of the batch is done, the cap is reached, or nothing has moved
    for STALL_SECONDS. Returns (when the last one was seen done, how it ended)."""
    last_done, last_progress = -1, started
    while True:
        now = time.monotonic()
        done = count - _unfinished()
        if done > last_done:
            last_done, last_progress = done, now
        if done >= count:
            return last_progress, "complete"
        if now - started > cap_seconds:
            return now, "capped"
        if now - last_progress > STALL_SECONDS:
            return last_progress, "stalled"
        if kick is not None:
            kick()
        # Counting a backlog of 100,000 rows is not free: poll often at first, for short
        # runs, then every 2 s, so that the watching costs the worker next to nothing.
        time.sleep(min(2.0, 0.25 + (now - started) / 20))


def _outcome(ids: list[int], *, started: float, finished: float, ending: str) -> dict[str, Any]:
    batch = Reminder.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
    statuses = dict(batch.values_list("status").annotate(n=Count("pk")).order_by())
    sent = statuses.get(Reminder.Status.SENT, 0)
    elapsed = finished - started
    result = {
        "reminders": len(ids),
        "sent": sent,
        "cancelled": statuses.get(Reminder.Status.CANCELLED, 0),
        "failed": statuses.get(Reminder.Status.FAILED, 0),
        "unfinished": statuses.get(Reminder.Status.PENDING, 0)
        + sum(statuses.get(status, 0) for status in IN_FLIGHT),
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1) if elapsed else 0.0,
        "ending": ending,
        "capped": ending != "complete",
    }
    if result["unfinished"]:
        result["stuck"] = list(
            batch.filter(status__in=[Reminder.Status.PENDING, *IN_FLIGHT]).values(
                "pk", "status", "attempts", "last_error", "lease_expires_at"
            )[:5]
        )
    return result


def _stop_leftovers(ids: list[int], redis_url: str) -> None:
    """After a capped run: drop queued messages and cancel what was not delivered in time."""
    from config.celery_app import app

    app.control.purge()
    Reminder.objects.filter(
        pk__gte=ids[0],
        pk__lte=ids[-1],
        status__in=[Reminder.Status.PENDING, *IN_FLIGHT],
    ).update(status=Reminder.Status.CANCELLED, lease_expires_at=None)
    idle_wait(redis_url, timeout=60)


def idle_wait(redis_url: str, *, timeout: float = 300.0) -> bool:
    """Wait until the broker queue is empty and no reminder is due or in flight."""
    from coaching.tasks import dispatch_due_reminders

    deadline = time.monotonic() + timeout
    kicked = 0.0
    while time.monotonic() < deadline:
        waiting = redis_queue_length(redis_url)
        in_flight = Reminder.objects.filter(status__in=IN_FLIGHT).count()
        due = _pending_due()
        if waiting == 0 and in_flight == 0 and due == 0:
            return True
        if due and waiting == 0 and time.monotonic() - kicked > 5:
            dispatch_due_reminders.delay()
            kicked = time.monotonic()
        time.sleep(0.5)
    return False


def deliver_outbox(org: Org, *, count: int, redis_url: str, cap_seconds: float) -> dict[str, Any]:
    """``count`` due reminders through the outbox: the dispatcher claims, ``send_reminders`` sends.

    The benchmark stands in for beat and kicks the dispatcher whenever the broker queue runs
    low, so the figure is the worker's delivery rate, not the beat interval's.
    """
    from coaching.tasks import dispatch_due_reminders

    return _through_dispatcher(
        org,
        dispatcher=dispatch_due_reminders,
        label="outbox",
        count=count,
        redis_url=redis_url,
        cap_seconds=cap_seconds,
    )


def _through_dispatcher(
    org: Org, *, dispatcher, label: str, count: int, redis_url: str, cap_seconds: float
) -> dict[str, Any]:
    dispatch_due_reminders = dispatcher
    low_water = 2000
    kick_state = {"pending": None, "at": 0.0}

    def kick() -> None:
        pending = _pending_due()
        waiting = kick_state["pending"]
        if waiting is not None and (pending < waiting or time.monotonic() - kick_state["at"] > 10):
            kick_state["pending"] = None  # the last kick has run (or was lost): free to kick
        if pending and kick_state["pending"] is None and redis_queue_length(redis_url) < low_water:
            dispatch_due_reminders.delay()
            kick_state.update(pending=pending, at=time.monotonic())

    ids = due_reminders_insert(org, count=count, label=label)
    started = time.monotonic()
    finished, ending = _wait_delivered(count, started=started, cap_seconds=cap_seconds, kick=kick)
    result = _outcome(ids, started=started, finished=finished, ending=ending)
    if ending != "complete":
        _stop_leftovers(ids, redis_url)
    due_reminders_remove(label=label)
    return result


def deliver_naive(org: Org, *, count: int, redis_url: str, cap_seconds: float) -> dict[str, Any]:
    """The same number of due reminders the common way: one task per reminder via apply_async."""
    from bench.naive import deliver_reminder

    ids = due_reminders_insert(org, count=count, label="naive")
    started = time.monotonic()
    for reminder_id in ids:
        deliver_reminder.apply_async((reminder_id,))
    published = time.monotonic() - started
    finished, ending = _wait_delivered(count, started=started, cap_seconds=cap_seconds)
    result = _outcome(ids, started=started, finished=finished, ending=ending)
    result["publish_seconds"] = round(published, 2)
    if ending != "complete":
        _stop_leftovers(ids, redis_url)
    due_reminders_remove(label="naive")
    return result
