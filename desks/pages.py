"""Rendering a page of any desk: the templates, the language (`?lang=`, remembered in a
cookie), the labels in it, the note an action left (`?note=`) and the refusal it met (a
problem document, shown by `_refusal.html` with its step, code and text)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from desks.bus import Refused
from desks.statuses import Family, status_text
from desks.texts import LANGUAGES, Language, labels
from desks.times import local_time
from desks.words import Group, word

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# The console's instants as the bus gives them, read at a glance: 2026-03-02 05:00:00Z or
# 2026-03-02 10:00:00+05:00 (as console.js shows them); testers compare them with the journal.
templates.env.filters["seconds"] = lambda instant: re.sub(
    r"\.\d+", "", str(instant).replace("T", " ")
)


# The people's desks: times in Almaty in the page's language, statuses and other codes in
# words (codes kept).
@pass_context
def _local_time(context: Context, instant: Any) -> str:
    return local_time(instant, context["lang"])


@pass_context
def _status_text(context: Context, code: str, family: Family) -> str:
    return status_text(family, code, context["lang"])


@pass_context
def _word(context: Context, code: str, group: Group) -> str:
    return word(group, code, context["lang"])


templates.env.filters["local_time"] = _local_time
templates.env.filters["status_text"] = _status_text
templates.env.filters["word"] = _word

# The signing form of every desk (`{% call esign(…) %}`), without an import in each template.
_SIGNING = templates.env.get_template("_sign.html").module
templates.env.globals["esign"] = _SIGNING.esign  # type: ignore[attr-defined]

LANG_COOKIE = "desks-lang"
PROBLEM_QUERY = "problem"


def language(request: Request) -> Language:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "ru"
    return asked if asked in LANGUAGES else "ru"


def status_words(request: Request, family: Family, code: str) -> str:
    """A status as an action's note tells it, in the page's language."""
    return status_text(family, code, language(request))


def problem(refused: Refused) -> dict[str, Any]:
    """The refusal as a page shows it: its step, code and texts (a problem document of a state
    service carries all three); an answer that is no problem document keeps its status."""
    body = refused.body if isinstance(refused.body, dict) else {}
    errors = body.get("errors")
    return {
        "status": refused.status,
        "step": body.get("step"),
        "code": body.get("code") or str(refused.status),
        "messages": body.get("messages") or {},
        "detail": body.get("detail") or body.get("title") or refused.text,
        "errors": errors if isinstance(errors, list) else [],
        **{k: v for k, v in body.items() if k in ("unpaid", "field")},
    }


def _carried_problem(request: Request) -> dict[str, Any] | None:
    """The refusal an action redirected here with (`back(…, refused=…)`)."""
    carried = request.query_params.get(PROBLEM_QUERY)
    if not carried:
        return None
    try:
        found = orjson.loads(base64.urlsafe_b64decode(carried))
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def render(
    request: Request, template: str, page: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """`template` as page `page` in the chosen language. A `problem` in the context (a refusal
    met while reading the page) is shown; else the one an action carried here, if any."""
    chosen = language(request)
    context.setdefault("problem", None)
    context["problem"] = context["problem"] or _carried_problem(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": labels(chosen),
            "lang": chosen,
            "languages": LANGUAGES,
            "page": page,
            "note": request.query_params.get("note"),
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") == chosen:
        response.set_cookie(LANG_COOKIE, chosen, samesite="lax")
    return response


def back(path: str, note: str | None = None, refused: Refused | None = None) -> RedirectResponse:
    """After an action: back to the page, with what happened (a note, or the refusal)."""
    query: dict[str, str] = {}
    if note:
        query["note"] = note
    if refused is not None:
        query[PROBLEM_QUERY] = base64.urlsafe_b64encode(orjson.dumps(problem(refused))).decode()
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joiner}{urlencode(query)}" if query else path, status_code=303)


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's filled fields (forms are url-encoded and small: read here rather than
    adding a multipart parser)."""
    fields = parse_qs((await request.body()).decode(), keep_blank_values=False)
    return {name: values[-1].strip() for name, values in fields.items() if values[-1].strip()}
