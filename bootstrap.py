#!/usr/bin/env python3
"""Set up the project's virtual environment from the locked requirements, then run a command in it.

Needs nothing but Python 3.11+:

    python3 bootstrap.py up        # the whole bus, embedded default (SQLite, in-process bus)
    python3 bootstrap.py test      # ruff, mypy and the whole test suite
    python3 bootstrap.py egov ...  # any other `egov` command

The environment lives in `.venv`; it is rebuilt only when a lock file changes, so the second run
starts at once.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = {"main": ROOT / "requirements" / "main.lock", "dev": ROOT / "requirements" / "dev.lock"}
BUILD_LOCK = ROOT / "requirements" / "build.lock"
NODE_LOCK = ROOT / "package-lock.json"
NODE_MODULES = ROOT / "node_modules"


def _stamp(profile: str) -> Path:
    digest = hashlib.sha256()
    for lock in (LOCKS[profile], BUILD_LOCK, ROOT / "pyproject.toml"):
        digest.update(lock.read_bytes())
    return VENV / f".egov-{profile}-{digest.hexdigest()[:16]}"


def _say(text: str) -> None:
    # One write: the setup's threads (bootstrap test) say things at the same time.
    sys.stderr.write(f"bootstrap: {text}\n")
    sys.stderr.flush()


def _install(
    what: str, installer: str, command: list[str], shown: Callable[[str], str | None]
) -> None:
    """Run an installer, shown as it goes (`shown` picks and words its lines), then the
    seconds the stage took; its whole output only when it fails."""
    started = time.monotonic()
    _say(what)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output: list[str] = []
    for line in process.stdout:
        output.append(line)
        said = shown(line)
        if said is not None:
            _say(f"  {said} ({time.monotonic() - started:.0f} s)")
    if process.wait() != 0:
        sys.stderr.write("".join(output))
        sys.exit(f"bootstrap: {installer} failed ({what})")
    _say(f"  done in {time.monotonic() - started:.1f} s")


def _pip(what: str, *args: str) -> None:
    """pip install: a line per package it takes (pip's `Collecting` and `Processing` lines,
    counted)."""
    taken = 0

    def shown(line: str) -> str | None:
        nonlocal taken
        if not line.startswith(("Collecting ", "Processing ")):
            return None
        taken += 1
        # `Collecting fastapi==…` from an index, `Processing /…/fastapi-….whl` from files
        token = line.split()[1]
        return f"{taken:3d} " + (
            Path(token).name.split("-")[0] if os.sep in token else token.split("==")[0]
        )

    _install(
        what,
        "pip",
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", *args],
        shown,
    )


def _uv(what: str, *args: str) -> None:
    """uv pip install into `.venv`: its summary lines (resolved, prepared, installed), not the
    package it lists after them."""

    def shown(line: str) -> str | None:
        return None if line.startswith((" ", "Using ")) else line.strip()

    _install(what, "uv", [str(BIN / "uv"), "pip", "install", "--python", str(PYTHON), *args], shown)


def ensure_venv(profile: str) -> None:
    """Create `.venv` and install the locked `profile` ("main" or "dev") unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 — any python3 may run this file
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    stamp = _stamp(profile)
    if stamp.exists() or (profile == "main" and _stamp("dev").exists()):
        return
    started = time.monotonic()
    _say(f"setting up .venv ({profile}): once, in seconds; later runs start at once")
    if not PYTHON.exists():
        _say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Hashes pin every artefact; the project itself goes in editable, without re-resolving.
    # pip installs uv (and the build backend); uv the rest: 111 packages in seconds where pip
    # took 45 (measured on 2 cores, its cache warm), and it compiles no bytecode that the
    # commands would not read (they keep theirs under .venv/pycache: keep_bytecode).
    _pip("[1/3] uv and the build tools", "--require-hashes", "-r", str(BUILD_LOCK))
    _uv(f"[2/3] the locked {profile} requirements", "--require-hashes", "-r", str(LOCKS[profile]))
    _uv("[3/3] the project (editable)", "--no-deps", "--no-build-isolation", "-e", str(ROOT))
    for old in VENV.glob(".egov-*"):
        old.unlink()
    stamp.touch()
    _say(f".venv ready in {time.monotonic() - started:.0f} s")


def ensure_node_tools() -> None:
    """Install the Node.js tools of the checks (Redocly CLI, package-lock.json) into
    ./node_modules with `npm ci`, once per version of the lock; without Node.js, say what
    will fail."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        _say(
            "no Node.js (node, npm): the Redocly lint of contracts/ will fail; "
            "install Node.js 20+ (Debian: apt-get install nodejs npm)"
        )
        return
    stamp = NODE_MODULES / f".egov-{hashlib.sha256(NODE_LOCK.read_bytes()).hexdigest()[:16]}"
    if stamp.exists():
        return
    _say("installing the locked Node.js tools (npm ci)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)
    stamp.touch()


CHROMIUM_PACKAGES = ("chromium", "chromium-headless-shell")
"""Debian's packages, each named as its command."""


def ensure_chromium() -> None:
    """The pages are tested in the system's Chromium, headless (Playwright drives it; it
    downloads no browser): Debian's headless shell of Chromium, and the browser itself for
    `bench/desks_pages.py`, which times what a person's browser paints. On Debian as root they
    are installed here when missing."""
    missing = [name for name in CHROMIUM_PACKAGES if not shutil.which(name)]
    if not missing:
        return
    if os.name != "nt" and os.geteuid() == 0 and shutil.which("apt-get"):
        _say(f"installing {' and '.join(missing)} (apt-get) for the pages' tests")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
        return
    _say(
        f"not installed: {', '.join(missing)}; the pages' tests need Chromium and run fastest "
        f"in its headless shell (Debian: apt-get install {' '.join(missing)})"
    )


PYCACHE = VENV / "pycache"


def keep_bytecode() -> None:
    """Let this process's children keep the bytecode they compile, under `.venv/pycache`.

    Some environments set PYTHONDONTWRITEBYTECODE to keep source trees clean. Then every
    Python process compiles the project's 550 modules again, and pytest rewrites every test
    module's assertions again: in each of the suite's workers (collecting the suite took 7.8 s
    of CPU without the cache, 4.7 s with it), each service process of a bus and each `egov`
    command. A cache prefix keeps the trees clean all the same (nothing is written beside the
    sources)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))


def _exec(argv: list[str]) -> None:
    os.chdir(ROOT)
    keep_bytecode()
    if os.name == "nt":  # no exec on Windows: run and pass the exit code on
        sys.exit(subprocess.run(argv).returncode)
    os.execv(argv[0], argv)


def run_tests(args: list[str]) -> None:
    keep_bytecode()
    with ThreadPoolExecutor(2) as pool:
        # npm and apt-get unpack while uv installs, and mypy starts before they are done:
        # from a clean clone the Node.js tools alone took 13 s after a 13 s `.venv`.
        beside_setup = [pool.submit(ensure_node_tools), pool.submit(ensure_chromium)]
        ensure_venv("dev")
        os.chdir(ROOT)
        for check in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
            _say(" ".join(check))
            if subprocess.run([str(BIN / check[0]), *check[1:]]).returncode != 0:
                sys.exit(1)
        _say("mypy . (beside the tests that run alone)")
        mypy = subprocess.Popen(
            [str(BIN / "mypy"), "."], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for done in beside_setup:
            done.result()
    sys.exit(run_pytest(args, beside=mypy))


CONNECTIONS_PER_WORKER = 50
"""PostgreSQL connections one worker may hold at its peak: a bus on PostgreSQL keeps about
twenty open between steps and up to fifty in a step that fans out (measured)."""

MAX_CONNECTIONS = """
import asyncio, os
import asyncpg

async def main() -> None:
    url = os.environ.get("EGOV_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    connection = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=3)
    try:
        print(await connection.fetchval("SHOW max_connections"))
    finally:
        await connection.close()

asyncio.run(main())
"""


def test_workers() -> str:
    """pytest-xdist's `-n`: `EGOV_TEST_WORKERS` if set; else three workers for two cores, as
    many as the PostgreSQL the tests use has connections for. More workers than cores because
    a worker waits part of its time (on PostgreSQL, RabbitMQ, the browser, a registry's
    deadline); not more than that, because each worker also collects the suite and starts
    buses of its own. Measured on 2 cores, the parallel run: 2 workers 227 s, 3 workers
    221-223 s, 4 workers 229-235 s."""
    if "EGOV_TEST_WORKERS" in os.environ:
        return os.environ["EGOV_TEST_WORKERS"]
    wanted = max(1, 3 * (os.cpu_count() or 1) // 2)
    found = subprocess.run(
        [str(PYTHON), "-c", MAX_CONNECTIONS], capture_output=True, text=True, check=False
    )
    if found.returncode == 0 and found.stdout.strip().isdigit():
        affordable = max(1, int(found.stdout) // CONNECTIONS_PER_WORKER)
        if affordable < wanted:
            enough = wanted * CONNECTIONS_PER_WORKER
            _say(
                f"PostgreSQL takes {found.stdout.strip()} connections: {affordable} test "
                f"workers, not {wanted} (raise max_connections to {enough} for the faster run)"
            )
        wanted = min(wanted, affordable)
    return str(wanted)


def run_pytest(args: list[str], beside: subprocess.Popen[str] | None = None) -> int:
    """The tests in two runs of pytest: first those marked `serial` (they restart the shared
    broker, so no other test may run beside them), alone; then all the others on parallel
    workers, each module on one worker per backend (its tests there share a bus; the
    scheduler is tests/fixtures/workers.py). `args` go to both, so `-k`, `-m` and paths select
    as usual. The parallel run comes last: its summary is the suite's closing line.

    `beside` is a check (mypy, a cold quarter of a minute) that runs while the serial tests
    wait on the broker: it uses no broker and no database. Its output is shown when it ends;
    if it fails, the parallel run does not start."""
    base = [str(PYTHON), "-m", "pytest", *args]
    workers = test_workers()
    serial = subprocess.run(base, env={**os.environ, "EGOV_TEST_PHASE": "serial"}).returncode
    if beside is not None:
        output, _ = beside.communicate()
        print(output, end="", flush=True)
        if beside.returncode != 0:
            return beside.returncode
    parallel = subprocess.run(
        [*base, "-n", workers, "--dist", "loadscope"],
        env={**os.environ, "EGOV_TEST_PHASE": "parallel"},
    ).returncode
    return combined_exit(serial, parallel)


NO_TESTS = 5
"""pytest's exit code when it selected no test."""


def combined_exit(*codes: int) -> int:
    """A failure of either run fails the whole; "no tests" only when neither ran one."""
    failed = [code for code in codes if code not in (0, NO_TESTS)]
    if failed:
        return failed[0]
    return NO_TESTS if all(code == NO_TESTS for code in codes) else 0


def main(argv: list[str]) -> None:
    command, rest = (argv[0], argv[1:]) if argv else ("up", [])
    if command == "test":
        run_tests(rest)
    elif command == "setup":
        ensure_venv("dev" if "--dev" in rest else "main")
        if "--dev" in rest:
            ensure_node_tools()
    elif command == "egov":
        ensure_venv("main")
        _exec([str(BIN / "egov"), *rest])
    else:  # `up`, `status`, … are egov's own commands
        ensure_venv("main")
        _exec([str(BIN / "egov"), command, *rest])


if __name__ == "__main__":
    main(sys.argv[1:])
