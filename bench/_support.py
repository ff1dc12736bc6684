"""What the benchmarks share: free ports, waiting for a server, a Packyard to measure, and
for the benchmarks that compare a client's cold install against Debian's nginx serving the same
files (Maven, RubyGems, NuGet): the two sides, the CPU time their servers spend, the rounds
alternated between them and the report."""

from __future__ import annotations

import base64
import hashlib
import os
import pwd
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from packyard.server import build_store
from packyard.services.seed import load_seed
from packyard.storage.db.engine import make_engine, sqlite_url
from packyard.storage.db.migrate import upgrade


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Wrk:
    """What one wrk run measured: requests/s, completed requests, latency percentiles."""

    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int  # answers other than 2xx/3xx


def run_wrk(url: str, lua: str, duration: int, connections: int) -> Wrk:
    """wrk, one thread (the server under test gets the other core), driven by `lua`."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency"]
        out = subprocess.run(
            [*command, "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)

    def latency(percent: str) -> float:
        found = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)\b", out)
        assert found is not None, out
        return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    assert rps is not None and requests is not None, out
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Wrk(
        float(rps.group(1)),
        int(requests.group(1)),
        latency("50"),
        latency("99"),
        int(errors.group(1)) if errors else 0,
    )


def wait(url: str, attempts: int = 300) -> None:
    for _ in range(attempts):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def postgres_database(prefix: str, admin_url: str) -> Iterator[str | None]:
    """A new, empty PostgreSQL database for one run, dropped afterwards; None (and a line on
    stderr) when no server answers at `admin_url`."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{os.urandom(5).hex()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure to connect means "no server here"
        print(f"PostgreSQL is not reachable at {admin_url} ({error!r})", file=sys.stderr)
        admin.dispose()
        yield None
        return
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seeded_data_dir(data: Path, seed: dict[str, Any], database_url: str | None = None) -> None:
    """A migrated store (SQLite in `data` unless `database_url` names one, which must be
    empty), loaded with `seed`."""
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url or sqlite_url(data))
    upgrade(engine)
    load_seed(build_store(engine), seed, datetime.now(UTC))
    engine.dispose()


@contextmanager
def packyard_server(data: Path, database_url: str | None = None) -> Iterator[str]:
    """`packyard serve` (one worker, SQLite unless `database_url` says) on a free loopback
    port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PACKYARD_DATA_DIR": str(data), "PACKYARD_BASE_URL": base}
    env.pop("PACKYARD_DATABASE_URL", None)
    if database_url:
        env["PACKYARD_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "packyard.cli.main", "serve", "--port", str(port)], env=env
    )
    try:
        wait(f"{base}/_packyard/ping")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def user_with_token(
    login: str,
    token: str,
    scopes: Sequence[str] = ("read:packages", "write:packages", "delete:packages"),
    private_repository: str | None = None,
) -> dict[str, Any]:
    """A seed of `login` and a classic `token` with `scopes`, and their private repository."""
    world: dict[str, Any] = {
        "users": [{"login": login}],
        "tokens": [{"user": login, "token": token, "kind": "classic", "scopes": list(scopes)}],
    }
    if private_repository is not None:
        world["repositories"] = [
            {"owner": login, "name": private_repository, "visibility": "private"}
        ]
    return world


@dataclass
class Side:
    name: str
    url: str  # what the client is pointed at
    pids: set[int]  # the server's processes, for the CPU time they spend serving the client


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux's /proc; empty elsewhere)."""
    found = set()
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(entry.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.add(int(entry.parent.name))
    return found


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time the processes have used so far (Linux's /proc)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def packyard_side(
    root: Path, seed: dict[str, Any], publish: Callable[[str], str]
) -> Iterator[Side]:
    """Packyard seeded with `seed`; `publish(base URL)` sends it the packages as their client
    would and answers the URL the client is pointed at."""
    data = root / "packyard"
    seeded_data_dir(data, seed)
    before = children(os.getpid())
    with packyard_server(data) as base:
        url = publish(base)
        yield Side("packyard", url, children(os.getpid()) - before)


def nginx_version(binary: str) -> str:
    done = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
    return done.stderr.strip().rsplit("/", 1)[-1] or "?"


@contextmanager
def nginx_side(
    root: Path,
    *,
    user: str,
    token: str,
    fill: Callable[[Path, str], None],
    url: str,
    probe: str,
    types: str = "",
    missing: str,
) -> Iterator[Side]:
    """Debian's nginx in the foreground, one worker (as Packyard runs one), its own config,
    serving the files `fill(html directory, base URL)` writes behind HTTP Basic (`user`,
    `token`). `url` and `probe` are paths below the base: what the client is pointed at, and a
    file that must answer 401 without credentials (the challenge the client will meet).
    `types` is the http block's MIME types; `missing`, what to say when nginx is not there."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        raise SystemExit(missing)
    prefix = root / "nginx"
    served = prefix / "html"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fill(served, base)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / temp).mkdir(parents=True, exist_ok=True)
    sha = base64.b64encode(hashlib.sha1(token.encode()).digest()).decode()
    (prefix / "htpasswd").write_text(f"{user}:{{SHA}}{sha}\n")
    # As root, nginx's workers would switch to `nobody` and could not read a 0700 temp dir.
    run_as = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    mime = f"\n  types {{ {types} }}" if types else ""
    (prefix / "nginx.conf").write_text(f"""
{run_as}
daemon off;
master_process on;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} error;
events {{ worker_connections 1024; }}
http {{{mime}
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_body_temp_path {prefix / "client_body"};
  proxy_temp_path {prefix / "proxy"};
  fastcgi_temp_path {prefix / "fastcgi"};
  uwsgi_temp_path {prefix / "uwsgi"};
  scgi_temp_path {prefix / "scgi"};
  server {{
    listen 127.0.0.1:{port};
    root {served};
    auth_basic "bench";
    auth_basic_user_file {prefix / "htpasswd"};
  }}
}}
""")
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", "nginx.conf"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        try:
            wait(base + "/")
        except RuntimeError:
            process.kill()
            _, err = process.communicate()
            raise SystemExit(f"nginx did not start: {err.decode()}") from None
        challenged = httpx.get(f"{base}/{probe}")
        assert challenged.status_code == 401, challenged.status_code
        pids = {process.pid, *children(process.pid)}
        yield Side(f"nginx {nginx_version(binary)}", f"{base}/{url}", pids)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Rounds:
    """What `alternate` measured: each side's figures, one a round, and each round's ratio."""

    theirs: str
    ours: str
    # side's name → "cold" / "cpu" / each of `also` → one figure a round
    figures: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    ratios: list[float] = field(default_factory=list)


def alternate(
    theirs: Side,
    ours: Side,
    rounds: int,
    cold: Callable[[Side], float],
    also: dict[str, Callable[[Side], float]] | None = None,
    each_round: Callable[[], None] | None = None,
) -> Rounds:
    """`cold(side)` from each side once untimed, then `rounds` rounds, each timing it from both
    sides (who goes first alternates) with the CPU time the side's server spent on it, then
    each of `also` (more figures of the side, named), then `each_round()`. Prints each round."""
    measured = Rounds(theirs.name, ours.name)
    # One untimed run from each first: the OS's caches, SQLite's pages and Python's lazy
    # imports warm for both, whichever side a round starts with.
    for side in (theirs, ours):
        cold(side)
        measured.figures[side.name] = {"cold": [], "cpu": [], **{name: [] for name in also or {}}}
    print(f"\n{'round':>5} {theirs.name:>14} {'packyard':>10} {'ratio':>7}")
    for round_ in range(rounds):
        for side in (theirs, ours) if round_ % 2 == 0 else (ours, theirs):
            figures = measured.figures[side.name]
            cpu = cpu_seconds(side.pids)
            figures["cold"].append(cold(side))
            figures["cpu"].append(cpu_seconds(side.pids) - cpu)
            for name, figure in (also or {}).items():
                figures[name].append(figure(side))
        if each_round is not None:
            each_round()
        mine, its = (
            measured.figures[ours.name]["cold"][-1],
            measured.figures[theirs.name]["cold"][-1],
        )
        measured.ratios.append(mine / its)
        print(f"{round_ + 1:5} {its:12.2f} s {mine:8.2f} s {mine / its:6.2f}x", flush=True)
    return measured


def report(
    measured: Rounds,
    what: str,
    per: str,
    goal: float,
    constant: tuple[str, str, list[float]] | None = None,
) -> None:
    """Each side's median and best cold time, the servers' CPU time `per` cold run, best
    against best and the median ratio against `goal`. `constant` is (its row's label, what the
    share without it is called, its times): a part of the time the same on both sides, taken
    out of best against best too."""
    theirs, ours = (
        measured.figures[measured.theirs]["cold"],
        measured.figures[measured.ours]["cold"],
    )
    print(f"\n{what} ({len(measured.ratios)} rounds)")
    print(f"  {'':28} {'median':>8} {'best':>8}")
    rows = [(measured.theirs, theirs), (measured.ours, ours)]
    if constant is not None:
        rows.append((constant[0], constant[2]))
    for label, times in rows:
        print(f"  {label:28} {statistics.median(times):6.2f} s {min(times):6.2f} s")
    print(
        f"  server CPU per {per}: "
        + ", ".join(
            f"{side} {statistics.median(figures['cpu']):.2f} s"
            for side, figures in measured.figures.items()
        )
    )
    # On a busy machine a round can stall either side; the best rounds are the least disturbed.
    best = min(ours) / min(theirs)
    without = ""
    if constant is not None and min(theirs) > min(constant[2]):
        base = min(constant[2])
        without = f"; {constant[1]}: {(min(ours) - base) / (min(theirs) - base):.2f}x"
    print(f"  best against best: {best:.2f}x{without}")
    ratio = statistics.median(measured.ratios)
    print(f"  ratio (median of the rounds): {ratio:6.2f}x the time (goal: <= {goal:.2f}x)")
