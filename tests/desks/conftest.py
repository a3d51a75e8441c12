"""One bus for the desks' tests (starting it is the slow part), a client of the desks, and
the people at their browsers (`signing_browser` of `tests.fixtures.browser`: Debian's Chromium,
pinned to the NCALayer emulator's TLS key), so every signature is made by a page through
NCALayer's WebSocket.

A browser test that fails leaves a screenshot of each of its pages in its tmp dir, and the
failure's report names the files (section "screenshots")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from egov.launcher import BusPlan
from servicekit.http_clients import async_client
from tests.harness import running_bus

# A step crosses the bus and the machine is shared: give a page longer than Playwright's 5 s.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
async def bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BusPlan]:
    async with running_bus(tmp_path_factory.mktemp("bus")) as plan:
        yield plan


@pytest.fixture(scope="module")
async def desks(bus: BusPlan) -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(base_url=bus.url("desks"), timeout=20) as client:
        yield client


class Person:
    """One person at their own computer: a browser profile of their own (cookies, session)
    and their key chosen in NCALayer before each signature, as they would pick their file."""

    def __init__(
        self, name: str, context: BrowserContext, page: Page, ncalayer: httpx.AsyncClient
    ) -> None:
        self.name, self.context, self.page, self.ncalayer = name, context, page, ncalayer
        self.clicks = 0

    async def choose_key(self) -> None:
        reply = await self.ncalayer.put("/persona", json={"persona": self.name})
        reply.raise_for_status()

    async def click(self, selector: str) -> None:
        """A click the person makes (counted: the figure of the whole registration)."""
        self.clicks += 1
        await self.page.locator(selector).click()


class People:
    def __init__(
        self, browser: Browser, ncalayer: httpx.AsyncClient, shots: Path, base: str
    ) -> None:
        self.browser, self.ncalayer, self.shots, self.base = browser, ncalayer, shots, base
        self.people: dict[str, Person] = {}
        self.outside: list[str] = []

    async def person(self, name: str) -> Person:
        if name not in self.people:
            context = await self.browser.new_context(
                base_url=self.base, viewport={"width": 1280, "height": 900}
            )
            page = await context.new_page()
            page.on(
                "request",
                lambda r: self.outside.append(r.url) if "127.0.0.1" not in r.url else None,
            )
            self.people[name] = Person(name, context, page, self.ncalayer)
        return self.people[name]

    @property
    def clicks(self) -> int:
        return sum(p.clicks for p in self.people.values())

    async def photograph(self, label: str) -> list[Path]:
        taken = []
        for name, person in self.people.items():
            path = self.shots / f"{label}-{name}.png"
            await person.page.screenshot(path=path, full_page=True)
            taken.append(path)
        return taken

    async def close(self) -> None:
        for person in self.people.values():
            await person.context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.fixture
async def people(
    signing_browser: Browser,
    ncalayer: httpx.AsyncClient,
    bus: BusPlan,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[People]:
    """The personas at their browsers. On a failure each one's page is photographed and the
    files are named in the failure's own report."""
    crowd = People(signing_browser, ncalayer, tmp_path, bus.url("desks"))
    try:
        yield crowd
    finally:
        report = request.node.stash.get(CALL_REPORT, None)
        if report is not None and report.failed:
            taken = await crowd.photograph("failed")
            report.sections.append(("screenshots", "\n".join(str(p) for p in taken)))
            print("screenshots:", *taken)
        await crowd.close()
    assert crowd.outside == [], "a desk fetched from elsewhere"
