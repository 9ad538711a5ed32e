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
import json
import os
import platform
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
from bench.report import DOCS, docs_refresh, evaluate, tables  # noqa: E402
from bench.stack import BenchError, log  # noqa: E402

RESULTS_JSON = ROOT / "bench" / "results.json"
SCRATCH = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/2"
REMINDERS_PER_REP = 50  # 100,000 due reminders at 2,000 reps


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
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_ENV": "development",
            "DEBUG": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": "bench",
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
        from bench.scale import run_scale
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
                run_scale(
                    args,
                    reps=reps,
                    reminders=args.reminders or REMINDERS_PER_REP * reps,
                    env=env,
                    wrk=wrk,
                    out=run_dir / f"reps-{reps}",
                )
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
