"""What the ЦОН's and the akimat's pages share: who is signed in, the page frame with the desks'
labels, the refusal of the last action, and where NCALayer listens for the signing forms.

A page acts for the signed-in person with their own token; the claims read here only say whom
to greet and which office or region to show (the service checks the token itself).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from desks.bus import BusApi, Refused
from desks.desk_texts import desk_labels
from desks.frontoffice_api import FRONTOFFICE, FrontOfficeApi
from desks.login import SESSION_COOKIE, Person, logins, signed_in
from desks.pages import language, render, templates

templates.env.globals["desk_labels"] = desk_labels


@dataclass(frozen=True)
class Officer:
    """The signed-in person, with where their roles apply as their token says."""

    person: Person
    attributes: dict[str, str]

    @property
    def iin(self) -> str:
        return self.person.iin

    @property
    def roles(self) -> tuple[str, ...]:
        return self.person.roles

    @property
    def office(self) -> str:
        return self.attributes.get("office", "")

    @property
    def region(self) -> str:
        return self.attributes.get("region", "")


def _attributes(token: str) -> dict[str, str]:
    try:
        payload = token.split(".")[1]
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    found = claims.get("attributes") if isinstance(claims, dict) else None
    return dict(found) if isinstance(found, dict) else {}


def officer(request: Request) -> Officer:
    """The person signed in for the front office (else `LoginRequired`: to the login page)."""
    person = signed_in(request, FRONTOFFICE)
    return Officer(person, _attributes(person.token))


def maybe_officer(request: Request) -> Officer | None:
    """For the pages that need no login (the SMS inbox): whoever is signed in, if anyone."""
    person = logins(request).person(request.cookies.get(SESSION_COOKIE), FRONTOFFICE)
    return Officer(person, _attributes(person.token)) if person else None


def bus(request: Request) -> BusApi:
    return cast(BusApi, request.app.state.desks_bus)


def frontoffice(who: Officer) -> FrontOfficeApi:
    return FrontOfficeApi(who.person)


def refusal_of(refused: Refused) -> dict[str, Any]:
    """A problem document as the pages show a refusal: its step, code and texts."""
    body = refused.body if isinstance(refused.body, dict) else {}
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    return {
        "status": refused.status,
        "step": body.get("step"),
        "code": body.get("code") or str(refused.status),
        "messages": body.get("messages") or {},
        "detail": body.get("detail") or body.get("title") or refused.text,
        "errors": errors,
        **{k: v for k, v in body.items() if k in ("unpaid", "field")},
    }


async def ncalayer_url(request: Request) -> str:
    """The WebSocket URL of NCALayer (the emulator tells its own)."""
    return await logins(request).ncalayer_url()


def desk_page(
    request: Request,
    template: str,
    page: str,
    who: Officer | None,
    **context: Any,
) -> HTMLResponse:
    problem = request.query_params.get("problem")
    return render(
        request,
        template,
        page,
        m=desk_labels(language(request)),
        who=who,
        problem=orjson.loads(base64.urlsafe_b64decode(problem)) if problem else None,
        **context,
    )


def back(path: str, note: str | None = None, refused: Refused | None = None) -> RedirectResponse:
    """Back to a page after an action, with what happened: a note or the refusal."""
    query: dict[str, str] = {}
    if note:
        query["note"] = note
    if refused is not None:
        query["problem"] = base64.urlsafe_b64encode(orjson.dumps(refusal_of(refused))).decode()
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}{urlencode(query)}" if query else path, status_code=303)
