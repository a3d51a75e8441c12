"""What both processes' clients share: people signing in by ЭЦП, calling a service as one of
them, signing a decision document, waiting for what crosses the bus, and the catalogue they
come from. `egov.vin_flow.VinClient` (V1–V22) and `egov.machinery_flow.MachineryClient`
(M4–M17) add their own steps on top.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from pydantic import BaseModel

from egov.personas import load
from egov.signin import login, sign_b64
from servicekit.http_clients import async_client
from servicekit.identifiers import vin_check_digit
from servicekit.settings import DEFAULT_ADMIN_TOKEN

PORTAL = "registration_service"
FRONTOFFICE = "frontoffice_service"
VIN_OK = "MXAJC4111TK100201"
"""The persona catalogue's happy-path vehicle: the template of minted ones."""

Json = dict[str, Any]

POLL_FIRST, POLL_LONGEST = 0.05, 0.5
"""Seconds between two looks at something the bus is moving on: the first soon, since the bus
is usually quick, then each one longer (×2) up to the longest, so a slow moment is not met
with a stream of requests that only ask again."""


class FlowError(AssertionError):
    """A step did not answer as the flow expects; the text says what came back."""


def pauses() -> Iterator[float]:
    pause = POLL_FIRST
    while True:
        yield pause
        pause = min(pause * 2, POLL_LONGEST)


@functools.cache
def _catalogue() -> dict[str, list[Json]]:
    # Parsing the YAML takes tens of milliseconds, and every registration looks people up.
    return load()


def persona(key: str) -> Json:
    """A person of the persona catalogue."""
    for person in _catalogue()["persons"]:
        if person["key"] == key:
            return dict(person)
    raise KeyError(f"no persona {key!r}")


def legal_entity(key: str) -> Json:
    for entity in _catalogue()["legal_entities"]:
        if entity["key"] == key:
            return dict(entity)
    raise KeyError(f"no legal entity {key!r}")


def new_vin(template: str = VIN_OK) -> str:
    """A VIN of the template's manufacturer and year with a random serial and a valid ISO 3779
    check digit."""
    serial = f"{secrets.randbelow(10**6):06d}"
    body = template[:8] + "0" + template[9:11] + serial
    return body[:8] + vin_check_digit(body) + body[9:]


def answer(reply: httpx.Response, *ok: int) -> Any:
    """The JSON of a reply with one of the `ok` statuses (200 unless given), else FlowError
    saying what came back."""
    if reply.status_code not in (ok or (200,)):
        raise FlowError(
            f"{reply.request.method} {reply.request.url.path}: {reply.status_code} {reply.text}"
        )
    return reply.json()


def fields_of(record: Json, model: type[BaseModel]) -> Json:
    """What of a registry's record its admin API takes back (the record adds derived fields)."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    return {k: v for k, v in record.items() if k in names}


class FlowClient:
    """One person's view is one token: `call(persona, …)` signs in as the persona on first
    use, and again when the bus clock has moved past the token's life."""

    def __init__(
        self,
        url: Callable[[str], str],
        http: httpx.AsyncClient,
        *,
        service: str,
        admin_token: str = DEFAULT_ADMIN_TOKEN,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url, self.http, self.service = url, http, service
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.headers = headers or {}
        """Sent with every call (a tester's X-Test-Run-Id, say)."""
        self._tokens: dict[tuple[str, str], str] = {}
        self.requests = 0
        """HTTP requests made so far (the benchmark counts them per registration)."""
        self.polls = 0
        """Of them, the requests that only asked again whether the bus had moved on."""

    async def token(self, who: str, audience: str | None = None) -> str:
        audience = audience or self.service
        if (who, audience) not in self._tokens:
            self.requests += 2  # the challenge and the token
            async with async_client(base_url=self.url("pki"), timeout=30) as pki:
                self._tokens[who, audience] = await login(pki, who, audience)
        return self._tokens[who, audience]

    async def call(
        self,
        who: str,
        method: str,
        path: str,
        json: Any = None,
        *,
        service: str | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        service = service or self.service
        sent = {**self.headers, **(headers or {})}
        if method in ("POST", "PUT") and content is None:
            sent["Idempotency-Key"] = key or str(uuid.uuid4())
        for _ in range(2):
            sent["Authorization"] = f"Bearer {await self.token(who, service)}"
            self.requests += 1
            reply = await self.http.request(
                method,
                self.url(service) + path,
                json=json,
                content=content,
                headers=sent,
                params=params,
            )
            # The bus clock moved past the token's life (the demo's month, a test's night):
            # sign in again, as the person would.
            if reply.status_code != 401 or reply.json().get("code") != "TOKEN_EXPIRED":
                break
            del self._tokens[who, service]
        return reply

    async def ok(self, who: str, method: str, path: str, json: Any = None, **kw: Any) -> Json:
        found: Json = answer(await self.call(who, method, path, json, **kw), 200, 201)
        return found

    async def listing(self, who: str, path: str, *, service: str | None = None) -> list[Json]:
        """A collection: every list route answers a bare JSON array (CONTRIBUTING.md)."""
        found = answer(await self.call(who, "GET", path, service=service))
        if not isinstance(found, list):
            raise FlowError(f"GET {path} answered no list: {found}")
        return found

    async def signed_decision(
        self,
        officer: str,
        path: str,
        *,
        approve: bool,
        reason: str | None = None,
        signer: str | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        """An officer's decision with ЭЦП (V19, M10.4): the decision document of `path`, signed
        by `signer` (the officer unless given: a test's wrong signer), posted with it."""
        query: Json = {"approve": str(approve).lower()}
        if reason is not None:
            query["reason"] = reason
        document = await self.ok(officer, "GET", f"{path}/decision-document", params=query)
        cms = sign_b64(signer or officer, document["document"])
        body = {"approve": approve, "reason": reason, "cms": cms}
        return await self.call(officer, "POST", f"{path}/decision", body, key=key)

    async def sms_about(
        self, phone: str, reference: str, containing: str, seconds: float = 20.0
    ) -> Json:
        """The SMS centre's text to `phone` about `reference` that says `containing`: it
        crosses the bus, so it arrives a moment after the step that sent it."""
        inbox = f"{self.url(FRONTOFFICE)}/sms/messages"
        deadline = time.monotonic() + seconds
        waits = pauses()
        while True:
            self.requests += 1
            for text in answer(await self.http.get(inbox, params={"phone": phone})):
                if text["reference"] == reference and containing in text["text"]:
                    return dict(text)
            if time.monotonic() > deadline:
                raise FlowError(f"no SMS about {reference} with {containing!r} to {phone}")
            await self.pause(waits)

    async def pause(self, waits: Iterator[float]) -> None:
        """Wait before asking again (one more poll) whether the bus has moved on."""
        self.polls += 1
        await asyncio.sleep(next(waits))
