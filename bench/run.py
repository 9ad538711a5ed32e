"""``make bench``: the platform under load on this machine, at two sizes of organisation.

For each size (200 and 2,000 reps unless ``--reps`` says otherwise) it recreates the
benchmark's own PostgreSQL database, migrates it, bulk-builds the organisation (bench/build.py),
starts gunicorn and one Celery worker on the benchmark's own Redis database, and measures with
wrk at 16 connections: the ceiling (a bare view behind the full middleware stack), the rep's
and the manager's pages and lists, and the quiz submit that completes a module and books a
coaching session, each with the queries one request makes. Then it delivers the due reminders
through the outbox and the same number the common way (one task per reminder). It prints one
table, writes bench/results.json and refreshes the table in docs/performance.md.

Nothing outside the benchmark is touched: the database must have "bench" in its name
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench) and Redis is a database
of its own (BENCH_REDIS_URL, default redis://127.0.0.1:6379/2), emptied before each size.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402 - needs the project root on the path first
from bench.stack import BenchError  # noqa: E402

RESULTS_JSON = ROOT / "bench" / "results.json"
SCRATCH = ROOT / "bench" / "results"
DOCS = ROOT / "docs" / "performance.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
REMINDERS_PER_REP = 50  # 100,000 due reminders at 2,000 reps

# Figures that frame the others rather than being judged: the ceiling, and the floor that any
# signed-in page pays (its session and user rows) before it does anything of its own.
REFERENCE_KINDS = ("ceiling", "floor")
# The targets (docs/performance.md): shares of the ceiling measured in the same run.
READ_SHARE_OF_CEILING = 0.30
READ_P95_MS = 100.0
SUBMIT_P95_MS = 150.0
OUTBOX_PER_SECOND = 2000.0
OUTBOX_OVER_NAIVE = 5.0
# Latency may not grow with the organisation: p50 at the larger size within 25 % (or 3 ms,
# below which the difference is noise) of the smaller one.
SCALING_GROWTH = 1.25
SCALING_SLACK_MS = 3.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reps",
        type=int,
        nargs="+",
        default=[200, 2000],
        help="organisation sizes to measure, in reps (default: 200 2000)",
    )
    parser.add_argument("--seconds", type=int, default=20, help="length of each HTTP run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per read")
    parser.add_argument(
        "--single-seconds",
        type=int,
        default=5,
        help="length of the one-client run that gives each request's own latency",
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent clients")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--celery-concurrency", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--reminders",
        type=int,
        default=None,
        help=f"due reminders per way (default: {REMINDERS_PER_REP} per rep)",
    )
    parser.add_argument(
        "--submit-pool", type=int, default=4000, help="open attempts ready to submit"
    )
    parser.add_argument(
        "--delivery-cap",
        type=float,
        default=120.0,
        help="seconds after which a delivery run is stopped and its rate taken as it stands",
    )
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md alone")
    return parser.parse_args(argv)


def bench_env(*, database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of every process of the run: the same settings everywhere."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "bench",
            "BENCH_CEILING": "1",
            "EMAIL_BACKEND": "bench.mailsink.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "VAR_DIR": str(var_dir),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


# --- the machine -----------------------------------------------------------------------------


def machine(*, postgres: str, redis: str) -> dict[str, Any]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    memory_kib = first("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(memory_kib) / 1024 / 1024:.1f} GiB" if memory_kib.isdigit() else "unknown"
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
        wrk_version = wrk.split()[1] if wrk else "unknown"
    except OSError:
        wrk_version = "unknown"
    import django

    return {
        "nproc": os.cpu_count(),
        "memory": memory,
        "cpu": first("/proc/cpuinfo", "model name"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "redis": redis,
        "wrk": wrk_version,
    }


# --- one size of organisation ----------------------------------------------------------------


def run_scale(args: argparse.Namespace, *, reps: int, env: dict, wrk: str, out: Path) -> dict:
    from django.db import connections

    from bench import build, measure

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
        pool = build.submit_pool_build(org, size=args.submit_pool + 3)
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
        count = args.reminders or REMINDERS_PER_REP * reps
        ways = [("outbox", measure.deliver_outbox), ("naive", measure.deliver_naive)]
        for way, deliver in ways:
            stack.alive_or_fail(worker)
            log(f"delivering {count:,} due reminders: {way}")
            watch.start()
            figures = deliver(org, count=count, redis_url=redis_url, cap_seconds=args.delivery_cap)
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
    from bench import measure

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
    from bench import measure

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


def _queries(figures: dict[str, Any]) -> str:
    queries, first = figures.get("queries"), figures.get("queries_first")
    if queries is None:
        return "–"
    return f"{queries} ({first} first)" if first not in (None, queries) else str(queries)


# --- targets ---------------------------------------------------------------------------------


def evaluate(scales: list[dict]) -> list[dict]:
    """Every target, per size, with the figure it was judged on."""
    checks = []
    for scale in scales:
        http = scale["http"]
        ceiling = http.get("ceiling", {}).get("rps")
        for figures in http.values():
            if figures.get("kind") in REFERENCE_KINDS:
                continue
            name = f"{figures['label']} at {scale['reps']:,} reps"
            if figures.get("status") != "ok":
                checks.append(
                    {"name": name, "target": "measured", "met": False, "value": figures["status"]}
                )
                continue
            if figures["kind"] in ("page", "list"):
                share = figures["rps"] / ceiling if ceiling else 0.0
                checks.append(
                    {
                        "name": name,
                        "target": f"≥ {READ_SHARE_OF_CEILING:.0%} of the ceiling's req/s",
                        "value": f"{share:.1%}",
                        "met": share >= READ_SHARE_OF_CEILING,
                    }
                )
                checks.append(
                    {
                        "name": name,
                        "target": f"p95 < {READ_P95_MS:.0f} ms",
                        "value": f"{figures['p95_ms']} ms",
                        "met": figures["p95_ms"] < READ_P95_MS,
                    }
                )
            elif figures["kind"] == "submit":
                checks.append(
                    {
                        "name": name,
                        "target": f"p95 < {SUBMIT_P95_MS:.0f} ms",
                        "value": f"{figures['p95_ms']} ms",
                        "met": figures["p95_ms"] < SUBMIT_P95_MS,
                    }
                )
            if figures.get("errors"):
                checks.append(
                    {
                        "name": name,
                        "target": "no failed requests",
                        "value": f"{figures['errors']} failed",
                        "met": False,
                    }
                )
        delivery = scale.get("delivery", {})
        if "outbox" in delivery:
            outbox = delivery["outbox"]
            name = f"Outbox delivery at {scale['reps']:,} reps"
            checks.append(
                {
                    "name": name,
                    "target": f"≥ {OUTBOX_PER_SECOND:,.0f} reminders/s",
                    "value": f"{outbox['per_second']:,.0f}/s",
                    "met": outbox["per_second"] >= OUTBOX_PER_SECOND,
                }
            )
            ratio = delivery.get("ratio") or 0.0
            checks.append(
                {
                    "name": name,
                    "target": f"≥ {OUTBOX_OVER_NAIVE:.0f}× one task per reminder",
                    "value": f"{ratio:.2f}×",
                    "met": ratio >= OUTBOX_OVER_NAIVE,
                }
            )
    by_size = sorted(scales, key=lambda s: s["reps"])
    for small, large in itertools.pairwise(by_size):
        for key, figures in large["http"].items():
            before = small["http"].get(key, {})
            if (
                figures.get("kind") in REFERENCE_KINDS
                or figures.get("status") != "ok"
                or before.get("status") != "ok"
            ):
                continue
            # One client's latency is the request's own; under 16 clients it is mostly queueing,
            # which swings with whatever else the machine is doing.
            single = "single" if before.get("single") and figures.get("single") else None
            was = before[single]["p50_ms"] if single else before["p50_ms"]
            now = figures[single]["p50_ms"] if single else figures["p50_ms"]
            limit = max(was * SCALING_GROWTH, was + SCALING_SLACK_MS)
            checks.append(
                {
                    "name": f"{figures['label']}: {small['reps']:,} → {large['reps']:,} reps",
                    "target": "p50 "
                    + ("at 1 client " if single else "")
                    + "does not grow with the organisation",
                    "value": f"{was} → {now} ms",
                    "met": now <= limit,
                }
            )
    return checks


# --- the report -------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


def tables(results: dict) -> str:
    """The Markdown tables: one per size, the delivery, the scaling check and the targets."""
    settings = results["settings"]
    lines = [
        f"Run {results['started_at']} · gunicorn {settings['workers']} {settings['worker_class']} "
        f"workers × {settings['threads']} thread(s) · wrk {settings['connections']} connections "
        f"× {settings['seconds']} s per figure · one Celery worker, concurrency "
        f"{settings['celery_concurrency']}",
        "",
    ]
    for scale in results["scales"]:
        http = scale["http"]
        ceiling = http.get("ceiling", {}).get("rps")
        lines += [
            f"**{scale['reps']:,} reps, {scale['managers']:,} managers** "
            f"(built in {scale['build_seconds']} s)",
            "",
            "| request | req/s | share of ceiling | p50 ms | p95 ms | p99 ms "
            "| p50 ms, 1 client | queries | failed | cores busy elsewhere |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for figures in http.values():
            if figures.get("status") != "ok":
                state = "not built yet (404)" if figures["status"] == "missing" else "error"
                lines.append(f"| {figures['label']} | {state} | | | | | | | | |")
                continue
            share = f"{figures['rps'] / ceiling:.0%}" if ceiling else "–"
            lines.append(
                f"| {figures['label']} | {figures['rps']:,.0f} | {share} | "
                f"{_ms(figures['p50_ms'])} | {_ms(figures['p95_ms'])} | {_ms(figures['p99_ms'])} "
                f"| {_ms((figures.get('single') or {}).get('p50_ms'))} "
                f"| {_queries(figures)} | {figures['errors']} "
                f"| {figures.get('busy_elsewhere', '–')} |"
            )
        delivery = scale.get("delivery", {})
        if delivery:
            lines += [
                "",
                "| reminder delivery | reminders | sent | seconds | reminders/s "
                "| vs one task each | cores busy elsewhere |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for way, label, ratio_key in (
                (
                    "outbox",
                    "Outbox: dispatcher + send_reminders (a task per "
                    f"{results['settings'].get('send_batch_size', '?')})",
                    "ratio",
                ),
                ("naive", "One Celery task per reminder", None),
            ):
                figures = delivery.get(way)
                if not figures:
                    continue
                ratio = f"{delivery[ratio_key]:.2f}×" if delivery.get(ratio_key) else ""
                ending = {"capped": " (stopped at the cap)", "stalled": " (stalled)"}.get(
                    figures["ending"], ""
                )
                lines.append(
                    f"| {label}{ending} | {figures['reminders']:,} | {figures['sent']:,} | "
                    f"{figures['seconds']:,.1f} | {figures['per_second']:,.0f} | {ratio} "
                    f"| {figures.get('busy_elsewhere', '–')} |"
                )
        lines.append("")
    lines += ["| target | figure | met |", "|---|---|:---:|"]
    for check in results["targets"]:
        mark = "yes" if check["met"] else "**no**"
        lines.append(f"| {check['name']}: {check['target']} | {check['value']} | {mark} |")
    return "\n".join(lines) + "\n"


def machine_lines(results: dict) -> str:
    m = results["machine"]
    return (
        f"- CPU: {m['cpu']}, {m['nproc']} cores (nproc); memory {m['memory']}; "
        f"Linux {m['kernel']}\n"
        f"- Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']}, "
        f"Redis {m['redis']}, wrk {m['wrk']}\n"
    )


def docs_refresh(results: dict) -> bool:
    """Replace the generated parts of docs/performance.md; False when its markers are gone."""
    if not DOCS.exists():
        return False
    text = DOCS.read_text()
    replaced = 0
    for name, body in (("table", tables(results)), ("machine", machine_lines(results))):
        pattern = re.compile(
            rf"(<!-- bench:{name}:start -->\n).*?(<!-- bench:{name}:end -->)", re.DOTALL
        )
        text, n = pattern.subn(lambda m, body=body: m.group(1) + body + m.group(2), text)
        replaced += n
    DOCS.write_text(text)
    return replaced == 2


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    run_dir = SCRATCH / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True, exist_ok=True)
    # A TERM (a CI timeout, kill) unwinds like Ctrl-C, so every started process is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started_stack = False
    try:
        stack.database_name_check(database_url)
        postgres = stack.postgres_check(database_url)
        redis = stack.redis_check(redis_url)
        stack.port_check(args.port)
        wrk = stack.wrk_ensure()
        started_stack = True
        env = bench_env(database_url=database_url, redis_url=redis_url, var_dir=run_dir / "var")
        os.environ.update(env)
        import django

        django.setup()
        from coaching.tasks import SEND_BATCH_SIZE

        results: dict[str, Any] = {
            "started_at": started_at,
            "machine": machine(postgres=postgres, redis=redis),
            "settings": {
                "workers": args.workers,
                "worker_class": args.worker_class,
                "threads": args.threads,
                "connections": args.connections,
                "wrk_threads": args.wrk_threads,
                "seconds": args.seconds,
                "celery_concurrency": args.celery_concurrency,
                "send_batch_size": SEND_BATCH_SIZE,
                "database": stack.database_name(database_url),
                "redis": redis_url,
            },
            "scales": [],
        }
        began = time.monotonic()
        for reps in sorted(args.reps):
            results["scales"].append(
                run_scale(args, reps=reps, env=env, wrk=wrk, out=run_dir / f"reps-{reps}")
            )
        results["minutes"] = round((time.monotonic() - began) / 60, 1)
        results["targets"] = evaluate(results["scales"])
    except BenchError as error:
        print(f"\nbench: {error}", file=sys.stderr)
        return 2
    finally:
        if started_stack:
            with contextlib.suppress(Exception):
                stack.redis_flush(redis_url)

    report = tables(results)
    print("\n" + report)
    encoded = json.dumps(results, indent=2, default=str) + "\n"
    RESULTS_JSON.write_text(encoded)
    (run_dir / "results.json").write_text(encoded)
    log(f"wrote {RESULTS_JSON.relative_to(ROOT)}; logs and raw figures in {run_dir}")
    if not args.no_docs:
        if docs_refresh(results):
            log(f"refreshed the tables in {DOCS.relative_to(ROOT)}")
        else:
            log(f"{DOCS.relative_to(ROOT)} has no bench markers; left as it is")
    missed = [check for check in results["targets"] if not check["met"]]
    log(f"{len(results['targets']) - len(missed)} of {len(results['targets'])} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
