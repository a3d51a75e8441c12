"""Every service's /docs (Swagger UI) and /redoc (ReDoc) render its operations in a real
browser, with nothing fetched from outside the service: the pages work offline.

The browser is the system's Chromium (`bootstrap.py test` installs it on Debian), driven by
Playwright without a browser download of its own. Every request of the page is answered by the
service's app in-process; a request for any other host is refused, and fails the test unless
it is for an image (ReDoc's script names Redocly's logo on its CDN for its footer: offline the
logo is simply not shown).
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, Route

from egov.services import build_app
from servicekit.topology import SERVICES, ServiceSpec

ORIGIN = "http://egov.test"


async def _open(browser: Browser, app: FastAPI, path: str) -> tuple[Page, list[str]]:
    """A page of `app` at `path`, every request served by the app; the list collects the
    requests for anything else but images (all refused)."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
    outside: list[str] = []

    async def serve(route: Route) -> None:
        url = route.request.url
        if not url.startswith(f"{ORIGIN}/"):
            if route.request.resource_type != "image":
                outside.append(url)
            await route.abort()
            return
        reply = await client.get(url.removeprefix(ORIGIN))
        await route.fulfill(
            status=reply.status_code, headers=dict(reply.headers), body=reply.content
        )

    page = await browser.new_page()
    await page.route("**/*", serve)
    await page.goto(f"{ORIGIN}{path}")
    return page, outside


def _operations(app: FastAPI) -> int:
    return sum(len(item) for item in app.openapi()["paths"].values())


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_swagger_ui_renders_every_operation_offline(
    browser: Browser, service: ServiceSpec
) -> None:
    app = build_app(service, port=service.port)
    page, outside = await _open(browser, app, "/docs")
    try:
        operations = page.locator(".opblock")
        await operations.nth(_operations(app) - 1).wait_for(timeout=30_000)
        assert await operations.count() == _operations(app)
        assert await page.locator(".info .title").inner_text() != ""
        if service.name in ("gbd_fl", "registration_service"):
            await page.locator(".btn.authorize").wait_for()  # the security schemes are declared
        assert outside == []
    finally:
        await page.close()


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_redoc_renders_every_operation_offline(
    browser: Browser, service: ServiceSpec
) -> None:
    app = build_app(service, port=service.port)
    page, outside = await _open(browser, app, "/redoc")
    try:
        operations = page.locator('[data-section-id^="operation/"]')
        await operations.nth(_operations(app) - 1).wait_for(state="attached", timeout=30_000)
        assert await operations.count() == _operations(app)
        assert outside == []
    finally:
        await page.close()
