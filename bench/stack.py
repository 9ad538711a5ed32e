"""The real stack the benchmark runs against, and the checks before it starts.

Every process started here is started in its own process group and stopped through that group
(TERM, then KILL after a grace period), from ``finally`` blocks, whatever happens in between.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class BenchError(Exception):
    """Something the benchmark needs is missing; the message says what and how to fix it."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- checks -----------------------------------------------------------------------------------


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def postgres_check(url: str) -> str:
    """The server's version; BenchError when it cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(maintenance_url(url), connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except psycopg.Error as error:
        raise BenchError(
            f"PostgreSQL is not reachable at {maintenance_url(url)}: {error}".strip()
            + "\nStart it (pg_ctlcluster <version> main start) or set BENCH_DATABASE_URL."
        ) from error


def redis_check(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        return client.info("server")["redis_version"]
    except redis.RedisError as error:
        raise BenchError(
            f"Redis is not reachable at {url}: {error}"
            "\nStart it (redis-server --daemonize yes) or set BENCH_REDIS_URL."
        ) from error


def redis_flush(url: str) -> None:
    """Empty the benchmark's own Redis database (never the others): queues, cache, throttles."""
    import redis

    redis.Redis.from_url(url).flushdb()


def redis_queue_length(url: str, queue: str = "celery") -> int:
    import redis

    return int(redis.Redis.from_url(url).llen(queue))


def port_check(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise BenchError(
                f"Port {port} on 127.0.0.1 is already in use; stop what listens there "
                "or pass --port."
            )


def wrk_ensure() -> str:
    """The path of wrk, installing Debian's package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("== installing Debian's wrk (the load generator)", flush=True)
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run([*prefix, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    except (OSError, subprocess.CalledProcessError) as error:
        raise BenchError(f"Could not install wrk ({error}); apt-get install wrk") from error
    found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is still missing after apt-get install wrk.")
    return found


# --- the database -------------------------------------------------------------------------------


def database_name_check(url: str) -> str:
    name = database_name(url)
    if "bench" not in name:
        raise BenchError(
            f"Refusing to drop database {name!r}: the benchmark only recreates a database "
            "whose name contains 'bench' (set BENCH_DATABASE_URL)."
        )
    return name


def database_recreate(url: str) -> None:
    """Drop and create the benchmark's database. Only a database named *bench* is touched."""
    import psycopg
    from psycopg import sql

    name = database_name_check(url)
    with psycopg.connect(maintenance_url(url), autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def migrate(env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if done.returncode != 0:
        raise BenchError(f"manage.py migrate failed; see {log}")


# --- processes --------------------------------------------------------------------------------


@dataclass
class Started:
    name: str
    process: subprocess.Popen
    log: Path


def _stop(started: Started, grace: float = 20.0) -> None:
    process = started.process
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def started(name: str, command: list[str], *, env: dict[str, str], log: Path) -> Iterator[Started]:
    """Run ``command`` in its own process group for the duration of the block."""
    out = log.open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle = Started(name=name, process=process, log=log)
    try:
        yield handle
    finally:
        _stop(handle)
        out.close()


def alive_or_fail(handle: Started) -> None:
    if handle.process.poll() is not None:
        tail = handle.log.read_text(errors="replace")[-3000:]
        raise BenchError(f"{handle.name} exited with {handle.process.returncode}:\n{tail}")


def http_wait(url: str, handle: Started, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive_or_fail(handle)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise BenchError(f"{handle.name} did not answer {url} within {timeout:.0f} s; see {handle.log}")


@contextlib.contextmanager
def gunicorn(
    *, port: int, workers: int, worker_class: str, threads: int, env: dict[str, str], log: Path
) -> Iterator[Started]:
    port_check(port)
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--backlog",
        "256",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    with started("gunicorn", command, env=env, log=log) as handle:
        http_wait(f"http://127.0.0.1:{port}/bench/ceiling", handle)
        yield handle


@contextlib.contextmanager
def celery_worker(*, concurrency: int, env: dict[str, str], log: Path) -> Iterator[Started]:
    command = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--include",
        "bench.naive",
        "--hostname",
        f"bench-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
    ]
    with started("celery worker", command, env=env, log=log) as handle:
        from config.celery_app import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alive_or_fail(handle)
            if app.control.ping(timeout=1.0):
                break
        else:
            raise BenchError(f"The Celery worker did not answer a ping; see {log}")
        yield handle


# --- what else the machine is doing -----------------------------------------------------------


class CpuWatch:
    """CPU time that processes outside the benchmark use while a figure is taken.

    The benchmark's own processes are its process groups (this one, gunicorn, the worker,
    wrk) and the PostgreSQL backends connected to its database; the shared servers themselves
    (PostgreSQL's background processes, Redis) count as neither. The rest is someone else's
    work competing for the same cores, reported beside each figure as "cores busy elsewhere".
    """

    def __init__(self, *, database: str, groups: set[int]) -> None:
        self.database = database
        self.groups = {os.getpgrp(), *groups}
        self.tick = os.sysconf("SC_CLK_TCK")
        self._start: tuple[float, dict[int, int]] | None = None

    def _foreign_ticks(self) -> dict[int, int]:
        ticks_of: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
                # The command name is in parentheses and may hold spaces: split after it.
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2 :].split()
                pgrp, ticks = int(fields[2]), int(fields[11]) + int(fields[12])
                if pgrp in self.groups or name == "redis-server":
                    continue
                if name.startswith("postgres"):
                    # "postgres: 15/main: user db 127.0.0.1(5432) idle" is a backend; the
                    # postmaster and background processes (checkpointer, ...) are shared.
                    command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
                    backend = b"(" in command or b"[local]" in command
                    if not backend or f" {self.database} ".encode() in command:
                        continue
                ticks_of[int(entry.name)] = ticks
            except (OSError, ValueError, IndexError):
                continue
        return ticks_of

    def start(self) -> None:
        self._start = (time.monotonic(), self._foreign_ticks())

    def cores(self) -> float:
        """Cores used elsewhere on average since ``start`` (a process that ended in between
        is missed, so this is a lower bound)."""
        if self._start is None:
            return 0.0
        began, before = self._start
        elapsed = time.monotonic() - began
        after = self._foreign_ticks()
        used = sum(ticks - before.get(pid, 0) for pid, ticks in after.items()) / self.tick
        return round(max(used, 0.0) / elapsed, 2) if elapsed > 0 else 0.0
