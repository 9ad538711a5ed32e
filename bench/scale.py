"""One size of organisation: build it, start the stack, take every figure.

Imported once Django is set up against the benchmark's database (bench/run.py).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from django.db import connections

from bench import build, measure, stack
from bench.prepare import submit_pool_build
from bench.stack import BenchError, log


def run_scale(
    args: argparse.Namespace, *, reps: int, reminders: int, env: dict, wrk: str, out: Path
) -> dict:
    """Every figure at one size: the reads, the completing submit, then ``reminders`` due
    reminders delivered each way."""
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"reps": reps, "http": {}, "delivery": {}}
    database_url, redis_url = env["DATABASE_URL"], env["REDIS_URL"]

    log(f"== {reps:,} reps: recreating the database and migrating")
    connections.close_all()
    stack.database_recreate(database_url)
    stack.migrate(env, out / "migrate.log")
    stack.redis_flush(redis_url)

    log("building the organisation with bulk inserts")
    began = time.monotonic()
    org = build.org_build(reps=reps)
    result["build_seconds"] = round(time.monotonic() - began, 1)
    result["managers"] = len(org.manager_ids)
    result["rows"] = org.counts
    log(f"built in {result['build_seconds']} s: {org.counts}")

    base_url = f"http://127.0.0.1:{args.port}"
    wrk_options = {
        "wrk": wrk,
        "base_url": base_url,
        "connections": args.connections,
        "threads": args.wrk_threads,
        "out_dir": out,
    }
    with (
        stack.celery_worker(
            concurrency=args.celery_concurrency, env=env, log=out / "celery.log"
        ) as worker,
        stack.gunicorn(
            port=args.port,
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            env=env,
            log=out / "gunicorn.log",
        ) as server,
    ):
        watch = stack.CpuWatch(
            database=stack.database_name(database_url),
            groups={server.process.pid, worker.process.pid},
        )
        # --- reads ---------------------------------------------------------------------
        for endpoint in measure.read_endpoints(org):
            figures = _measure_read(endpoint, wrk_options, args, server, out, watch)
            result["http"][endpoint.key] = figures
            log(f"{endpoint.label}: {_brief(figures)}")

        # --- the completing submit -----------------------------------------------------
        log(f"preparing {args.submit_pool:,} attempts ready to complete their module")
        pool = submit_pool_build(org, size=args.submit_pool + 3)
        endpoint = measure.submit_endpoint(org, pool)
        spare, endpoint.lines = endpoint.lines[:3], endpoint.lines[3:]
        measure.queries_for(spare[0])  # warm this process's caches
        status, queries, sql = measure.queries_for(spare[1])
        (out / "submit.sql").write_text("\n".join(sql))
        smoke = measure.smoke(base_url, spare[2])
        figures: dict[str, Any] = {
            "label": endpoint.label,
            "kind": endpoint.kind,
            "path": "/api/v1/attempts/{id}/submit/",
            "queries": queries,
        }
        if status != 200 or smoke != 200:
            figures.update(status="error", http_status=smoke, client_status=status)
        else:
            stack.alive_or_fail(worker)
            watch.start()
            figures.update(
                status="ok",
                **measure.wrk_run(
                    lines=endpoint.lines, seconds=args.seconds, name="submit", **wrk_options
                ),
                busy_elsewhere=watch.cores(),
            )
            if not figures["requests"]:
                figures["status"] = "error"
            figures["attempts_ready"] = len(endpoint.lines)
            # The attempts the loaded run may have used are skipped: each is submitted once.
            unused = endpoint.lines[figures["requests"] + 4 * args.connections :]
            figures["single"] = _single(unused, "submit", wrk_options, args, watch)
        result["http"]["submit"] = figures
        log(f"{endpoint.label}: {_brief(figures)}")

        # --- reminder delivery ---------------------------------------------------------
        log("waiting for the worker to deliver what the submits booked")
        if not measure.idle_wait(redis_url, timeout=600):
            raise BenchError("The worker did not catch up with the submits within 10 minutes.")
        ways = [("outbox", measure.deliver_outbox), ("naive", measure.deliver_naive)]
        for way, deliver in ways:
            stack.alive_or_fail(worker)
            log(f"delivering {reminders:,} due reminders: {way}")
            watch.start()
            figures = deliver(
                org, count=reminders, redis_url=redis_url, cap_seconds=args.delivery_cap
            )
            figures["busy_elsewhere"] = watch.cores()
            result["delivery"][way] = figures
            log(f"{way}: {figures['per_second']:,.0f} reminders/s ({figures})")
        outbox, naive = result["delivery"]["outbox"], result["delivery"]["naive"]
        result["delivery"]["ratio"] = (
            round(outbox["per_second"] / naive["per_second"], 2) if naive["per_second"] else None
        )
    connections.close_all()
    return result


def _measure_read(endpoint, wrk_options: dict, args, server, out: Path, watch) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "label": endpoint.label,
        "kind": endpoint.kind,
        "path": endpoint.path,
    }
    line = endpoint.lines[0]
    if endpoint.kind != "ceiling":
        measure.queries_for(endpoint.lines[-1])  # warm this process's caches
        # The first request for this person may fill their cached entries; the next is what
        # every later request under load costs. Both are kept.
        _, first, first_sql = measure.queries_for(line)
        status, queries, sql = measure.queries_for(line)
        figures["queries"] = queries
        figures["queries_first"] = first
        (out / f"{endpoint.key}.sql").write_text("\n".join(sql))
        (out / f"{endpoint.key}.first.sql").write_text("\n".join(first_sql))
        if status == 404:
            figures["status"] = "missing"
            return figures
        if status != 200:
            figures.update(status="error", client_status=status)
            return figures
    else:
        figures["queries"] = 0
    stack.alive_or_fail(server)
    http_status = measure.smoke(wrk_options["base_url"], line)
    if http_status != 200:
        figures.update(status="error", http_status=http_status)
        return figures
    if endpoint.cached_per_person:
        # Steady state: every person's entry filled once (the cache is the server's, in Redis).
        # What a first request costs is kept beside it: once per person, change or time bucket.
        firsts = sorted(measure.timed(each) for each in endpoint.lines[1:])
        figures["first_p50_ms"] = round(firsts[len(firsts) // 2], 1) if firsts else None
    if args.warmup:
        measure.wrk_run(
            lines=endpoint.lines, seconds=args.warmup, name=f"{endpoint.key}-warmup", **wrk_options
        )
    watch.start()
    figures.update(
        status="ok",
        **measure.wrk_run(
            lines=endpoint.lines, seconds=args.seconds, name=endpoint.key, **wrk_options
        ),
        busy_elsewhere=watch.cores(),
    )
    if not figures["requests"]:
        figures["status"] = "error"
        return figures
    figures["single"] = _single(endpoint.lines, endpoint.key, wrk_options, args, watch)
    return figures


def _single(lines: list[str], name: str, wrk_options: dict, args, watch) -> dict[str, Any] | None:
    """One client, one request at a time: the request's own latency, without queueing."""
    if not args.single_seconds or not lines:
        return None
    options = {**wrk_options, "connections": 1, "threads": 1}
    watch.start()
    figures = measure.wrk_run(
        lines=lines, seconds=args.single_seconds, name=f"{name}-single", **options
    )
    if not figures["requests"]:
        return None
    single = {key: figures[key] for key in ("requests", "rps", "p50_ms", "p95_ms", "errors")}
    return {**single, "busy_elsewhere": watch.cores()}


def _brief(figures: dict) -> str:
    if figures.get("status") != "ok":
        return f"{figures.get('status')} ({figures})"
    return (
        f"{figures['rps']:,.0f} req/s, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"{figures['queries']} queries, {figures['errors']} errors"
    )
