"""The proof with a client nobody here wrote: `ncalayer-js-client` (sigex-kz, from npm, in
package.json) in a page in headless Chromium connects to the emulator, lists the key, signs,
and `pki` finds the signatures valid.

The page is served on loopback by a test server (its script is the npm package's file as
published); every request it makes elsewhere is recorded: only the client's probe of
KAZTOKEN's HTTP API on 127.0.0.1:24680, which finds nothing and is tolerated. Chromium trusts
the emulator's TLS certificate by its key alone (`--ignore-certificate-errors-spki-list`, the
hash of the key `GET /websocket` shows: `tests.fixtures.browser.signing_browser`), not by ignoring
every certificate error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from playwright.async_api import Browser, Page

from egov.launcher import BusPlan, listening_socket
from tests.ncalayer.test_protocol import BUYER_IIN, DOCUMENT, DOCUMENT_B64, unarmoured, verify

ROOT = Path(__file__).resolve().parents[2]
CLIENT_JS = ROOT / "node_modules" / "ncalayer-js-client" / "ncalayer-client.js"
ORIGIN = "http://pages.test"

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="/ncalayer-client.js"></script></head><body>
<script>
async function signAll(url, data) {
  const client = new NCALayerClient(url);
  const out = {};
  out.version = await client.connect();
  out.tokens = await client.getActiveTokens();
  const storage = out.tokens[0] || NCALayerClient.fileStorageType;
  out.keyInfo = await client.getKeyInfo(storage);
  out.cades = await client.createCAdESFromBase64(storage, data, 'SIGNATURE', false);
  out.attached = await client.createCAdESFromBase64(storage, data, 'SIGNATURE', true);
  out.auth = await client.createCAdESFromBase64(storage, data, 'AUTHENTICATION');
  out.basics = await client.basicsSignCMS(NCALayerClient.basicsStorageAll, data,
    NCALayerClient.basicsCMSParamsDetached, NCALayerClient.basicsSignerSignAny);
  out.xml = await client.signXml(storage, '<doc><vin>XTA210990Y2765432</vin></doc>');
  return out;
}
async function failures(url, data) {
  const client = new NCALayerClient(url);
  await client.connect();
  const out = {};
  for (const [name, call] of [
    ['basics', () => client.basicsSignCMS(NCALayerClient.basicsStorageAll, data,
      NCALayerClient.basicsCMSParamsDetached, NCALayerClient.basicsSignerSignAny)],
    ['common', () => client.createCAdESFromBase64('PKCS12', data)],
  ]) {
    try { await call(); out[name] = 'signed'; }
    catch (error) { out[name] = {message: error.message, cancelled: !!error.canceledByUser}; }
  }
  return out;
}
</script></body></html>"""


@pytest.fixture(scope="module")
def client_js() -> bytes:
    """The npm package's script as published."""
    if not CLIENT_JS.is_file():
        pytest.fail("no ncalayer-js-client: `npm ci` (bootstrap.py setup --dev) installs it")
    return CLIENT_JS.read_bytes()


@pytest.fixture(scope="module")
async def origin(client_js: bytes) -> AsyncIterator[str]:
    """A page server on loopback, as a page on the tester's machine: Chromium's local network
    access checks block a page of a public origin from reaching 127.0.0.1 unless the user
    allows it (a real NCALayer's users are asked the same)."""

    async def index(_request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def client(_request: web.Request) -> web.Response:
        return web.Response(body=client_js, content_type="text/javascript")

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/ncalayer-client.js", client)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.SockSite(runner, listening_socket())
    await site.start()
    try:
        yield site.name.rstrip("/")
    finally:
        await runner.cleanup()


@pytest.fixture
async def page(signing_browser: Browser, origin: str) -> AsyncIterator[tuple[Page, list[str]]]:
    """The page, and every request it made anywhere but its own origin."""
    context = await signing_browser.new_context()
    page = await context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(origin) else outside.append(request.url),
    )
    await page.goto(f"{origin}/")
    yield page, outside
    await context.close()


async def test_the_npm_client_lists_the_key_and_signs_and_pki_agrees(
    page: tuple[Page, list[str]], ncalayer: httpx.AsyncClient, ws_url: str, bus: BusPlan
) -> None:
    (await ncalayer.put("/persona", json={"persona": "buyer"})).raise_for_status()
    tab, outside = page
    out: dict[str, Any] = await tab.evaluate(
        "([url, data]) => signAll(url, data)", [ws_url, DOCUMENT_B64]
    )
    assert out["version"] == "1.4"
    assert out["tokens"] == []
    assert f"IIN{BUYER_IIN}" in out["keyInfo"]["subjectDn"]
    for name in ("cades", "attached", "basics"):
        cms = unarmoured(out[name]) if name == "basics" else out[name]
        verdict = await verify(bus, cms, DOCUMENT, expectedIin=BUYER_IIN)
        assert verdict["valid"], (name, verdict)
    assert (await verify(bus, out["auth"], DOCUMENT, keyUsage="AUTH"))["valid"]
    assert "<ds:SignatureValue>" in out["xml"]
    # Nothing but the page, its script and the WebSocket; KAZTOKEN's probe found no one.
    assert outside == ["https://127.0.0.1:24680/"]


async def test_the_npm_client_sees_cancel_and_wrong_password(
    page: tuple[Page, list[str]], ncalayer: httpx.AsyncClient, ws_url: str
) -> None:
    tab, _ = page
    (await ncalayer.put("/persona", json={"persona": None})).raise_for_status()
    out = await tab.evaluate("([url, data]) => failures(url, data)", [ws_url, DOCUMENT_B64])
    assert out == {
        "basics": {"message": "cancelled by user", "cancelled": True},
        "common": {"message": "500: action.canceled", "cancelled": False},
    }
    reply = await ncalayer.put("/persona", json={"persona": "buyer", "password": "12345678"})
    reply.raise_for_status()
    out = await tab.evaluate("([url, data]) => failures(url, data)", [ws_url, DOCUMENT_B64])
    wrong = "java.io.IOException: keystore password was incorrect"
    assert out == {
        "basics": {
            "message": f"INVOCATION_ERROR: An invoked method threw an exception. ({wrong})",
            "cancelled": False,
        },
        "common": {"message": f"500: {wrong}", "cancelled": False},
    }


async def test_the_chooser_page_chooses_by_a_click(
    signing_browser: Browser, ncalayer: httpx.AsyncClient, bus: BusPlan
) -> None:
    context = await signing_browser.new_context()
    try:
        tab = await context.new_page()
        await tab.goto(f"{bus.url('ncalayer')}/")
        async with tab.expect_navigation():
            await tab.locator("button[data-persona='police_officer_almaty']").click()
        assert await tab.locator("#chosen").inner_text() == "police_officer_almaty"
        assert (await ncalayer.get("/persona")).json()["persona"] == "police_officer_almaty"
        async with tab.expect_navigation():
            await tab.locator("button[data-persona='']").click()
        assert (await ncalayer.get("/persona")).json()["persona"] is None
    finally:
        await context.close()
