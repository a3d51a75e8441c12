"""How fast the desks come up and how heavy their pages are, in a browser.

Starts the bus as a user does (`egov up` as a child process, embedded: SQLite and the
in-process bus, a fresh data directory, on free ports or `--base-port`) and times from the
launch until every service's /ready answers 200 and then until every desk page answers 200
(a page behind login answers with the login page, which must be 200 too). The pages are the
desks app's own GET routes that answer HTML and need no path or query parameter, so a desk
added later is measured without editing this script.

Then each page in headless Chromium (Debian's, pinned to the NCALayer emulator's TLS key as
tests/desks does): its weight (document, CSS, JS and every other request of the Resource
Timing API, encoded bodies; and what went over the wire, `transferSize`) and its first
contentful paint. A page behind login is opened by a persona signed in through the emulator:
the first persona of the catalogue, one per set of roles, whose login makes the page answer
200 with no refusal on it (the buyer opens the cabinet, the dealer's manager the dealer's
desk, a ЦОН worker the ЦОН's…). Cold: a new
browser profile each run (the session cookie only, empty cache); warm: the same page again in
a profile that has it cached. Medians of `--runs` each. Run:

    .venv/bin/python bench/desks_pages.py [--runs 5] [--base-port 21000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from starlette.responses import HTMLResponse

from desks.app import create_app
from egov.launcher import free_base_port, plan_ports
from egov.personas import load as load_personas
from servicekit.http_clients import async_client

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
MEASURE = """() => new Promise(resolve => {
    const done = (fcp) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const entries = [nav, ...performance.getEntriesByType('resource')];
        const sum = (key) => entries.reduce((total, e) => total + (e[key] || 0), 0);
        resolve({fcp, body: sum('encodedBodySize'), sent: sum('transferSize'),
                 requests: entries.length});
    };
    new PerformanceObserver((list, observer) => {
        const first = list.getEntriesByName('first-contentful-paint')[0];
        if (first) { observer.disconnect(); done(first.startTime); }
    }).observe({type: 'paint', buffered: true});
})"""


def desk_pages() -> list[str]:
    """Every page of the desks one opens by its address: a GET route answering HTML with no
    path parameter and no required query parameter."""
    found = set()
    for context in iter_route_contexts(create_app().routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        html = isinstance(route.response_class, type) and issubclass(
            route.response_class, HTMLResponse
        )
        needs = route.dependant.path_params + [
            q for q in route.dependant.query_params if q.field_info.is_required()
        ]
        if html and not needs:
            found.add(str(context.path_format))
    return sorted(found)


def candidates() -> list[str]:
    """The personas a login is tried with: the first of each set of roles, in catalogue
    order (the buyer, with none, first)."""
    chosen: dict[tuple[str, ...], str] = {}
    for person in load_personas()["persons"]:
        chosen.setdefault(tuple(person.get("roles", ())), person["key"])
    return list(chosen.values())


async def wait_ready(ports: dict[str, int], pages: list[str], started: float) -> list[float]:
    """Seconds from launch until every service is ready, then until every page answers 200."""
    marks: list[float] = []
    desks = f"http://127.0.0.1:{ports['desks']}"
    checks = [[f"http://127.0.0.1:{p}/ready" for p in ports.values()], [desks + p for p in pages]]
    async with async_client(timeout=2, follow_redirects=True) as http:

        async def answers(url: str) -> bool:
            try:
                return (await http.get(url)).status_code == 200
            except httpx.HTTPError:
                return False

        while len(marks) < len(checks) and time.monotonic() - started < 180:
            if all(await asyncio.gather(*map(answers, checks[len(marks)]))):
                marks.append(time.monotonic() - started)
            else:
                await asyncio.sleep(0.05)
    if len(marks) < len(checks):
        raise RuntimeError("the bus or its pages were not ready within 180 s")
    return marks


def spki_pin(chain_pem: str) -> str:
    """The emulator's key as Chromium's `--ignore-certificate-errors-spki-list` names it."""
    key = x509.load_pem_x509_certificates(chain_pem.encode())[0].public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


class Bench:
    def __init__(self, browser: Browser, desks: str, ncalayer: httpx.AsyncClient) -> None:
        self.browser, self.desks, self.ncalayer = browser, desks, ncalayer
        self.profiles: dict[str | None, BrowserContext] = {}
        self.chosen: dict[str, str] = {}

    async def profile(self, persona: str | None) -> BrowserContext:
        if persona not in self.profiles:
            self.profiles[persona] = await self.browser.new_context(base_url=self.desks)
        return self.profiles[persona]

    async def opens(self, path: str, persona: str | None) -> bool:
        """Whether `persona` (None: nobody signed in) gets the page itself, 200 and no
        refusal on it, signing in through NCALayer when the page sends them to log in."""
        page = await (await self.profile(persona)).new_page()
        try:
            reply = await page.goto(path)
            if persona is not None and "/login?" in page.url:
                put = await self.ncalayer.put("/persona", json={"persona": persona})
                put.raise_for_status()
                await page.locator("#login").click()
                await page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)
                reply = await page.goto(path)
            if reply is None or reply.status != 200 or "/login?" in page.url:
                return False
            # Some desks show a refusal of the service (a wrong role) on a page answering 200.
            return await page.locator(".refusal").count() == 0
        finally:
            await page.close()

    async def persona(self, path: str) -> str | None:
        if path == "/login" or await self.opens(path, None):
            return None
        # The persona of the desk a page is under first (pages come in order, parents first):
        # a form that asks the service nothing until sent opens for anyone signed in.
        parents = [p for p in self.chosen if path.startswith(p.rstrip("/") + "/")]
        desk = self.chosen[max(parents, key=len)] if parents else None
        for persona in sorted(candidates(), key=lambda c: c != desk):
            if await self.opens(path, persona):
                self.chosen[path] = persona
                return persona
        raise RuntimeError(f"{path}: no persona of the catalogue opens it")

    async def measure(self, path: str, runs: int) -> dict[str, Any]:
        persona = await self.persona(path)
        state = await (await self.profile(persona)).storage_state()
        cold: list[dict[str, float]] = []
        for _ in range(runs):
            async with await self.browser.new_context(
                base_url=self.desks, storage_state=state
            ) as context:
                cold.append(await sample(await context.new_page(), path))
        async with await self.browser.new_context(
            base_url=self.desks, storage_state=state
        ) as context:
            page = await context.new_page()
            await page.goto(path)  # fills the cache; not counted
            warm = [await sample(page, path) for _ in range(runs)]

        def median(found: list[dict[str, float]], key: str, unit: int = 1) -> float:
            return float(statistics.median(f[key] for f in found)) / unit

        return {
            "path": path,
            "persona": persona,
            "kb": median(cold, "body", 1024),
            "requests": int(median(cold, "requests")),
            "fcpColdMs": median(cold, "fcp"),
            "fcpWarmMs": median(warm, "fcp"),
            "sentColdKb": median(cold, "sent", 1024),
            "sentWarmKb": median(warm, "sent", 1024),
        }


async def sample(page: Page, path: str) -> dict[str, float]:
    await page.goto(path)
    found: dict[str, float] = await page.evaluate(MEASURE)
    return found


async def run(base: int, runs: int, pages: list[str], data: Path) -> dict[str, Any]:
    ports = plan_ports(base)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "AMQP_URL")}
    log = data / "egov-up.log"
    started = time.monotonic()
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "egov", "up", "--base-port", str(base)),
            *("--data-dir", str(data)),
            env=env | {"EGOV_LOG_LEVEL": "WARNING"},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        services_s, pages_s = await wait_ready(ports, pages, started)
        desks = f"http://127.0.0.1:{ports['desks']}"
        async with (
            async_client(base_url=f"http://127.0.0.1:{ports['ncalayer']}") as ncalayer,
            async_playwright() as playwright,
        ):
            chain = (await ncalayer.get("/websocket")).raise_for_status().json()["certificate"]
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[f"--ignore-certificate-errors-spki-list={spki_pin(chain)}"],
            )
            bench = Bench(browser, desks, ncalayer)
            figures = [await bench.measure(path, runs) for path in pages]
            await browser.close()
    except BaseException:
        # The data directory goes with the run: what the bus said is shown before it does.
        print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        # SIGINT, not SIGKILL: `egov up` stops its children only when it is let to.
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 60)
    return {
        "mode": "embedded (SQLite, in-process bus), `egov up` as a child process",
        "runs": runs,
        "servicesReadySeconds": round(services_s, 2),
        "pagesReadySeconds": round(pages_s, 2),
        "pages": figures,
    }


def table(report: dict[str, Any]) -> str:
    lines = [
        f"bus: {report['mode']}; medians of {report['runs']} runs per page",
        f"from `egov up` to every service ready: {report['servicesReadySeconds']:.2f} s; "
        f"to every desk page 200: {report['pagesReadySeconds']:.2f} s",
        "",
        f"{'page':<26}{'persona':<26}{'KB':>7}{'req':>5}{'FCP cold':>10}{'FCP warm':>10}"
        f"{'sent KB cold':>14}{'warm':>7}",
    ]
    for f in report["pages"]:
        lines.append(
            f"{f['path']:<26}{f['persona'] or '—':<26}{f['kb']:>7.1f}{f['requests']:>5}"
            f"{f['fcpColdMs']:>8.0f}ms{f['fcpWarmMs']:>8.0f}ms"
            f"{f['sentColdKb']:>14.1f}{f['sentWarmKb']:>7.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per page, cold and warm")
    parser.add_argument("--base-port", type=int, default=0, help="0: a free block")
    parser.add_argument("--json", action="store_true", help="one JSON document instead")
    args = parser.parse_args()
    pages = desk_pages()
    with tempfile.TemporaryDirectory(prefix="desks-bench-") as data:
        base = args.base_port or free_base_port()
        report = asyncio.run(run(base, args.runs, pages, Path(data)))
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))


if __name__ == "__main__":
    main()
