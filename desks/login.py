"""Login by ЭЦП through NCALayer, for every desk, as the real portals do it.

The page asks the desks for a challenge (НУЦ's `POST /auth/challenge`), has NCALayer sign its
text with the person's AUTH key (`static/ncalayer.js`, over NCALayer's own WebSocket), and
posts the CMS back; the desks exchange it at НУЦ (`POST /auth/token`) for a token of the state
service the desk works with (its *audience*) and keep it in the desks' memory under a session
cookie, so the token never reaches the page's scripts. A restart of the desks signs everyone
out, as a portal's restart would.

A desk uses three things: `signed_in(request, audience)` (the person, or `LoginRequired`,
which the app turns into a redirect to the login page), `Person.call(…)` (the service's API
with the person's token: a 401 signs them out and asks for a login again), and the
`_ncalayer.html` partial with `ncalayer_context(request)` for pages that sign.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, cast
from urllib.parse import urlencode, urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from desks.bus import Refused
from desks.pages import render
from desks.settings import Settings
from servicekit.clock import bus_clock

Audience = Literal["registration_service", "frontoffice_service"]
AUDIENCES: tuple[Audience, ...] = ("registration_service", "frontoffice_service")
SESSION_COOKIE = "desks-session"
KEEPALIVE_SECONDS = 2.0

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """The desk needs a person signed in for `audience`; `next` is where to come back."""

    def __init__(self, audience: Audience, next_path: str) -> None:
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
            raise LoginRequired(self.audience, "")
        body = _body(reply)
        if reply.status_code >= 400:
            raise Refused(reply.status_code, body)
        return body


def _body(reply: httpx.Response) -> Any:
    if not reply.content:
        return None
    try:
        return reply.json()
    except ValueError:
        return reply.text


class Login:
    """НУЦ's login API and the sessions of the people signed in through it."""

    def __init__(self, settings: Settings) -> None:
        self.services = settings.services
        self.http = httpx.AsyncClient(
            timeout=settings.probe_timeout_seconds * 5,
            # Let go of an idle connection before uvicorn does (its keep-alive is 5 s): a
            # request sent on one the server is closing fails with no answer, and a login's
            # POST is not retried.
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
        )
        self._sessions: dict[str, dict[Audience, Person]] = {}
        self._ncalayer_url: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    def url(self, service: str) -> str:
        return self.services[service].rstrip("/")

    async def challenge(self) -> Any:
        reply = await self.http.post(self.url("pki") + "/auth/challenge")
        if reply.status_code != 200:
            raise Refused(reply.status_code, _body(reply))
        return reply.json()

    async def sign_in(self, session: str, challenge: str, cms: str, audience: Audience) -> Person:
        body = {"challenge": challenge, "cms": cms, "audience": audience}
        reply = await self.http.post(self.url("pki") + "/auth/token", json=body)
        if reply.status_code != 200:
            raise Refused(reply.status_code, _body(reply))
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


def logins(request: Request) -> Login:
    return cast(Login, request.app.state.desks_login)


def signed_in(request: Request, audience: Audience) -> Person:
    """The person this browser signed in for `audience`; else `LoginRequired` (a redirect to
    the login page that comes back here)."""
    person = logins(request).person(request.cookies.get(SESSION_COOKIE), audience)
    if person is None:
        raise LoginRequired(audience, request.url.path)
    return person


async def ncalayer_context(request: Request) -> dict[str, Any]:
    """What `_ncalayer.html` needs: the WebSocket NCALayer listens on."""
    return {"ncalayer_url": await logins(request).ncalayer_url()}


def to_login(request: Request, exc: Exception) -> Response:
    """`LoginRequired` raised anywhere → the login page, and back to where it was raised."""
    assert isinstance(exc, LoginRequired)
    back = exc.next_path or request.url.path
    if not exc.next_path and request.method != "GET":
        # An action whose token ran out: back to the page it was posted from.
        back = urlsplit(request.headers.get("referer", "")).path or "/"
    query = {"audience": exc.audience, "next": back}
    return RedirectResponse(f"/login?{urlencode(query)}", status_code=303)


def _audience(value: str | None) -> Audience:
    return value if value in AUDIENCES else "registration_service"


def _safe_next(value: str | None) -> str:
    # Only a path of the desks: a login never sends anyone to another site.
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:

    audience = _audience(request.query_params.get("audience"))
    person = logins(request).person(request.cookies.get(SESSION_COOKIE), audience)
    return render(
        request,
        "login.html",
        "login",
        audience=audience,
        next_path=_safe_next(request.query_params.get("next")),
        person=person,
        **await ncalayer_context(request),
    )


@router.post("/login/challenge")
async def challenge(request: Request) -> Response:
    try:
        return JSONResponse(await logins(request).challenge())
    except Refused as refused:
        return JSONResponse(refused.body, status_code=refused.status)


@router.post("/login/token")
async def token(request: Request) -> Response:
    """The signed challenge in, a session cookie out (the token stays on the desks)."""
    try:
        body = dict(await request.json())
    except (ValueError, TypeError):
        return JSONResponse({"code": "LOGIN_MALFORMED"}, status_code=400)
    session = request.cookies.get(SESSION_COOKIE) or secrets.token_urlsafe(24)
    try:
        person = await logins(request).sign_in(
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
async def logout(request: Request) -> RedirectResponse:
    logins(request).forget(request.cookies.get(SESSION_COOKIE))
    return RedirectResponse("/", status_code=303)
