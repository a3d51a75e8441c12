"""Every service's /docs (Swagger UI) and /redoc (ReDoc) render its operations in a real
browser, with nothing fetched from outside the service: the pages work offline.

The browser is the system's Chromium (`bootstrap.py test` installs it on Debian), driven by
Playwright without a browser download of its own. Each service's app is served on 127.0.0.1 by
a real uvicorn, and the browser resolves no other host: a request for anything else is
recorded and fails the test unless it is for an image (ReDoc's script names Redocly's logo on
its CDN for its footer: offline the logo is simply not shown).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import NamedTuple

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Request

from egov.services import build_app
from servicekit.topology import SERVICES, ServiceSpec
from tests.fixtures.browser import chromium
from tests.fixtures.http import serving


class Served(NamedTuple):
    app: FastAPI
    origin: str


@pytest.fixture(scope="module")
async def offline_browser() -> AsyncIterator[Browser]:
    # Every host but the services' own fails to resolve: nothing reaches the outside.
    async with chromium("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1") as browser:
        yield browser


@pytest.fixture(scope="module", params=SERVICES, ids=lambda s: s.name)
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    """The service's app behind uvicorn, for both pages (its lifespan is not run: the pages
    need only its routes and its OpenAPI document)."""
    service: ServiceSpec = request.param
    app = build_app(service, port=service.port)
    config = uvicorn.Config(app, log_config=None, lifespan="off", access_log=False)
    async with serving(config) as (host, port):
        yield Served(app, f"http://{host}:{port}")


async def _open(browser: Browser, origin: str, path: str) -> tuple[Page, list[str]]:
    """A page at `path`; the list collects the requests for anything but `origin`, images
    aside (none can be answered)."""
    outside: list[str] = []

    def seen(request: Request) -> None:
        own = request.url.startswith((f"{origin}/", f"blob:{origin}/"))  # ReDoc's worker
        if not own and request.resource_type != "image":
            outside.append(request.url)

    page = await browser.new_page()
    page.on("request", seen)
    await page.goto(f"{origin}{path}")
    return page, outside


def _operations(app: FastAPI) -> int:
    return sum(len(item) for item in app.openapi()["paths"].values())


async def test_swagger_ui_renders_every_operation_offline(
    offline_browser: Browser, served: Served
) -> None:
    page, outside = await _open(offline_browser, served.origin, "/docs")
    try:
        operations = page.locator(".opblock")
        await operations.nth(_operations(served.app) - 1).wait_for(timeout=30_000)
        assert await operations.count() == _operations(served.app)
        assert await page.locator(".info .title").inner_text() != ""
        if served.app.state.settings.service_name in ("gbd_fl", "registration_service"):
            await page.locator(".btn.authorize").wait_for()  # the security schemes are declared
        assert outside == []
    finally:
        await page.close()


async def test_redoc_renders_every_operation_offline(
    offline_browser: Browser, served: Served
) -> None:
    page, outside = await _open(offline_browser, served.origin, "/redoc")
    try:
        operations = page.locator('[data-section-id^="operation/"]')
        await operations.nth(_operations(served.app) - 1).wait_for(state="attached", timeout=30_000)
        assert await operations.count() == _operations(served.app)
        assert outside == []
    finally:
        await page.close()
