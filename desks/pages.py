"""Rendering a page of any desk: the templates, the language (`?lang=`, remembered in a
cookie), the labels in it, and the note an action left (`?note=`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from desks.texts import LANGUAGES, Language, labels

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# An instant as a wall clock, read at a glance: 2026-03-02 10:00:00+05:00 (as console.js shows it).
templates.env.filters["seconds"] = lambda instant: re.sub(
    r"\.\d+", "", str(instant).replace("T", " ")
)

LANG_COOKIE = "desks-lang"


def language(request: Request) -> Language:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "ru"
    return asked if asked in LANGUAGES else "ru"


def render(request: Request, template: str, page: str, **context: Any) -> HTMLResponse:
    chosen = language(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": labels(chosen),
            "lang": chosen,
            "languages": LANGUAGES,
            "page": page,
            "note": request.query_params.get("note"),
            "refresh_ms": request.app.state.settings.refresh_ms,
            **context,
        },
    )
    if request.query_params.get("lang") == chosen:
        response.set_cookie(LANG_COOKIE, chosen, samesite="lax")
    return response


def back(path: str, note: str) -> RedirectResponse:
    """After an action: back to the page, with a note of what happened."""
    return RedirectResponse(f"{path}?{urlencode({'note': note})}", status_code=303)


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's filled fields (forms are url-encoded and small: read here rather than
    adding a multipart parser)."""
    fields = parse_qs((await request.body()).decode(), keep_blank_values=False)
    return {name: values[-1].strip() for name, values in fields.items() if values[-1].strip()}
