"""Login by ЭЦП through NCALayer, for every desk, as the real portals do it.

The page asks the desks for a challenge (НУЦ's `POST /auth/challenge`), has NCALayer sign its
text with the person's AUTH key (`static/ncalayer.js`, over NCALayer's own WebSocket), and
posts the CMS back; the desks exchange it at НУЦ (`POST /auth/token`) for a token of the state
service the desk works with (its *audience*) and keep it in the desks' memory under a session
cookie, so the token never reaches the page's scripts. A restart of the desks signs everyone
out, as a portal's restart would.

A desk uses three things: the signed-in person as a dependency (`desks.dependencies`:
`PortalPerson`, `FrontOfficePerson`; with none, `LoginRequired`, which the app turns into a
redirect to the login page), `Person.call(…)` and `Person.fetch(…)` (the service's API with the
person's token: a 401 signs them out and asks for a login again), and the `_ncalayer.html`
partial with `Login.ncalayer_url()` for pages that sign.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx
import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from desks.bus import Refused, body_of, bus_client
from desks.pages import render
from desks.settings import Settings
from servicekit.clock import bus_clock

Audience = Literal["registration_service", "frontoffice_service"]
AUDIENCES: tuple[Audience, ...] = ("registration_service", "frontoffice_service")
SESSION_COOKIE = "desks-session"

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """The desk needs a person signed in for `audience`; `next_path` is where to come back
    (by default the page asked for, or the page an action was posted from)."""

    def __init__(self, audience: Audience, next_path: str = "") -> None:
        super().__init__(audience)
        self.audience, self.next_path = audience, next_path


@dataclass(frozen=True)
class Person:
    """One person signed in for one state service: НУЦ's token and what it says of them."""

    audience: Audience
    token: str
    iin: str
    bin: str | None
    roles: tuple[str, ...]
    expires_at: datetime
    logins: Login = field(repr=False, compare=False)
    session: str = field(repr=False)
    attributes: dict[str, str] = field(default_factory=dict, compare=False)
    """Where the roles apply, as the token says (`office`, `region`): whom to greet and which
    office or region a desk shows; the service checks the token itself."""

    @property
    def office(self) -> str:
        return self.attributes.get("office", "")

    @property
    def region(self) -> str:
        return self.attributes.get("region", "")

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """The service's answer as JSON; a refusal as `Refused` with its problem document.
        A changing call carries the Idempotency-Key the portal asks for, fresh per click."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if method in ("POST", "PUT"):
            headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        url = self.logins.url(self.audience) + path
        try:
            reply = await self.logins.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise Refused(502, {"code": "UNREACHABLE", "detail": f"{url}: {exc!r}"}) from exc
        if reply.status_code == 401:
            # The bus clock moved past the token's life, or НУЦ revoked the key: sign in again.
            self.logins.forget(self.session, self.audience)
            raise LoginRequired(self.audience)
        body = body_of(reply)
        if reply.status_code >= 400:
            raise Refused(reply.status_code, body)
        return body

    async def fetch(self, path: str) -> tuple[bytes, str]:
        """A file of the service (a scan, a PDF) as its bytes and content type."""
        url = self.logins.url(self.audience) + path
        try:
            reply = await self.logins.http.get(
                url, headers={"Authorization": f"Bearer {self.token}"}
            )
        except httpx.HTTPError as exc:
            raise Refused(502, {"code": "UNREACHABLE", "detail": f"{url}: {exc!r}"}) from exc
        if reply.status_code == 401:
            self.logins.forget(self.session, self.audience)
            raise LoginRequired(self.audience)
        if reply.status_code >= 400:
            raise Refused(reply.status_code, body_of(reply))
        return reply.content, reply.headers.get("content-type", "application/octet-stream")


def _attributes(token: str) -> dict[str, str]:
    """The token's `attributes` claim (read, not verified: the desks only show it)."""
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    found = claims.get("attributes") if isinstance(claims, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


class Login:
    """НУЦ's login API and the sessions of the people signed in through it."""

    def __init__(self, settings: Settings) -> None:
        self.services = settings.services
        self.http = bus_client(timeout=settings.probe_timeout_seconds * 5)
        self._sessions: dict[str, dict[Audience, Person]] = {}
        self._ncalayer_url: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    def url(self, service: str) -> str:
        return self.services[service].rstrip("/")

    async def challenge(self) -> Any:
        reply = await self.http.post(self.url("pki") + "/auth/challenge")
        if reply.status_code != 200:
            raise Refused(reply.status_code, body_of(reply))
        return reply.json()

    async def sign_in(self, session: str, challenge: str, cms: str, audience: Audience) -> Person:
        body = {"challenge": challenge, "cms": cms, "audience": audience}
        reply = await self.http.post(self.url("pki") + "/auth/token", json=body)
        if reply.status_code != 200:
            raise Refused(reply.status_code, body_of(reply))
        token = reply.json()
        person = Person(
            audience=audience,
            token=token["accessToken"],
            iin=token["iin"],
            bin=token.get("bin"),
            roles=tuple(token.get("roles", ())),
            expires_at=datetime.fromisoformat(token["expiresAt"]),
            logins=self,
            session=session,
            attributes=_attributes(token["accessToken"]),
        )
        self._forget_expired()
        self._sessions.setdefault(session, {})[audience] = person
        return person

    def _forget_expired(self) -> None:
        # Sessions nobody signed out of would otherwise stay for the life of the process.
        now = bus_clock.now()
        for session, people in list(self._sessions.items()):
            for audience, person in list(people.items()):
                if person.expires_at <= now:
                    del people[audience]
            if not people:
                del self._sessions[session]

    def person(self, session: str | None, audience: Audience) -> Person | None:
        return self._sessions.get(session or "", {}).get(audience)

    def signed_in(self, request: Request, audience: Audience) -> Person:
        """The person this browser signed in for `audience`; else `LoginRequired` (a redirect
        to the login page that comes back here)."""
        person = self.person(request.cookies.get(SESSION_COOKIE), audience)
        if person is None:
            raise LoginRequired(audience)
        return person

    def forget(self, session: str | None, audience: Audience | None = None) -> None:
        people = self._sessions.get(session or "", {})
        if audience is None:
            people.clear()
        else:
            people.pop(audience, None)

    async def ncalayer_url(self) -> str:
        """Where the person's NCALayer listens, as the emulator says (asked once)."""
        if self._ncalayer_url is None:
            reply = await self.http.get(self.url("ncalayer") + "/websocket")
            self._ncalayer_url = str(reply.raise_for_status().json()["url"])
        return self._ncalayer_url


def _logins(request: Request) -> Login:
    login: Login = request.app.state.desks_login
    return login


Logins = Annotated[Login, Depends(_logins)]
"""НУЦ's login API and the sessions signed in through it (made when the desks start)."""


def to_login(request: Request, exc: Exception) -> Response:
    """`LoginRequired` raised anywhere → the login page, and back to where it was raised."""
    assert isinstance(exc, LoginRequired)
    query = {"audience": exc.audience, "next": exc.next_path or _return_to(request)}
    return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)


def _return_to(request: Request) -> str:
    """Where a login comes back to: the page asked for; for an action (a POST has no page at
    its own address), the page its form was on, as the browser's Referer says."""
    if request.method in ("GET", "HEAD"):
        url = request.url
        return f"{url.path}?{url.query}" if url.query else url.path
    came_from = urlsplit(request.headers.get("referer", ""))
    if came_from.netloc and came_from.netloc != request.url.netloc:
        return "/"
    return _safe_next(f"{came_from.path}?{came_from.query}" if came_from.query else came_from.path)


def _audience(value: str | None) -> Audience:
    return value if value in AUDIENCES else "registration_service"


def _safe_next(value: str | None) -> str:
    # Only a path of the desks: a login never sends anyone to another site.
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, logins: Logins) -> HTMLResponse:
    audience = _audience(request.query_params.get("audience"))
    person = logins.person(request.cookies.get(SESSION_COOKIE), audience)
    return render(
        request,
        "login.html",
        "login",
        audience=audience,
        next_path=_safe_next(request.query_params.get("next")),
        person=person,
        ncalayer_url=await logins.ncalayer_url(),
    )


@router.post("/login/challenge")
async def challenge(logins: Logins) -> Response:
    try:
        return JSONResponse(await logins.challenge())
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)


@router.post("/login/token")
async def token(request: Request, logins: Logins) -> Response:
    """The signed challenge in, a session cookie out (the token stays on the desks)."""
    try:
        body = dict(await request.json())
    except (ValueError, TypeError):
        return JSONResponse({"code": "LOGIN_MALFORMED"}, status_code=400)
    session = request.cookies.get(SESSION_COOKIE) or secrets.token_urlsafe(24)
    try:
        person = await logins.sign_in(
            session,
            str(body.get("challenge", "")),
            str(body.get("cms", "")),
            _audience(body.get("audience")),
        )
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
    answer = JSONResponse(
        {"next": _safe_next(body.get("next")), "iin": person.iin, "roles": list(person.roles)}
    )
    answer.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="strict")
    return answer


@router.post("/logout")
async def logout(request: Request, logins: Logins) -> RedirectResponse:
    logins.forget(request.cookies.get(SESSION_COOKIE))
    return RedirectResponse("/", status_code=303)
