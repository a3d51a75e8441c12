"""The tester's side of the emulator: choose the persona (a page, or `PUT /persona`) and find
the wss listener."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ncalayer.keys import Chooser
from ncalayer.schemas import Chosen, PersonaCard, PersonaChoice, WebSocketInfo
from ncalayer.server import Listener
from servicekit.errors import NotFound
from servicekit.messages import Texts, register

register(
    {
        "PERSONA_KEY_NOT_FOUND": Texts(
            "Нет ключей персоны {persona} в каталоге ключей",
            "Ключтер каталогында {persona} персонасының ключтері жоқ",
            "No keys of the persona {persona} in the keys folder",
        ),
    }
)

router = APIRouter(tags=["NCALayer"])


async def _chooser(request: Request) -> Chooser:
    chooser: Chooser = request.app.state.chooser
    return chooser


KeyChooser = Annotated[Chooser, Depends(_chooser)]
"""Whose keys the pages get: the chosen persona (made with the app)."""


async def _listener(request: Request) -> Listener:
    listener: Listener = request.app.state.listener
    return listener


WssListener = Annotated[Listener, Depends(_listener)]
"""The wss listener the pages connect to (started with the app)."""


def _chosen(chooser: Chooser) -> Chosen:
    return Chosen(persona=chooser.persona, password_given=chooser.password != chooser.key_password)


@router.get("/persona", summary="The persona whose keys the pages get")
async def get_persona(chooser: KeyChooser) -> Chosen:
    return _chosen(chooser)


@router.put(
    "/persona",
    summary="Choose the persona, as the user would pick a key file in NCALayer's dialog",
    responses={404: {"description": "PERSONA_KEY_NOT_FOUND"}},
)
async def put_persona(choice: PersonaChoice, chooser: KeyChooser) -> Chosen:
    try:
        chooser.choose(choice.persona, choice.password or chooser.key_password)
    except KeyError:
        raise NotFound("PERSONA_KEY_NOT_FOUND", field="persona", persona=choice.persona) from None
    return _chosen(chooser)


@router.get("/personas", summary="The personas with keys, by their certificates")
async def personas(chooser: KeyChooser) -> list[PersonaCard]:
    return [
        PersonaCard(
            persona=c.persona,
            common_name=c.common_name,
            iin=c.iin,
            bin=c.bin,
            key_usages=list(c.usages),
        )
        for c in chooser.cards()
    ]


@router.get("/websocket", summary="Where pages connect, and the certificate they see")
async def websocket(listener: WssListener) -> WebSocketInfo:
    return WebSocketInfo(url=listener.url, certificate=listener.certificate.decode())


_SCRIPT = """
for (const button of document.querySelectorAll('button[data-persona]')) {
  button.addEventListener('click', async () => {
    const persona = button.dataset.persona || null;
    const reply = await fetch('persona', {method: 'PUT',
      headers: {'content-type': 'application/json'}, body: JSON.stringify({persona})});
    if (reply.ok) location.reload();
  });
}
"""


@router.get(
    "/",
    summary="The chooser: a button for each persona (the emulator's key dialog)",
    response_class=HTMLResponse,
)
async def chooser_page(chooser: KeyChooser, listener: WssListener) -> HTMLResponse:
    rows = []
    for card in chooser.cards():
        ident = " ".join(
            f"{label} {value}" for label, value in (("ИИН", card.iin), ("БИН", card.bin)) if value
        )
        current = " (chosen)" if card.persona == chooser.persona else ""
        rows.append(
            f"<li><button data-persona='{html.escape(card.persona)}'>"
            f"{html.escape(card.persona)}</button> {html.escape(card.common_name)} "
            f"<small>{html.escape(ident)} · {', '.join(card.usages)}</small>"
            f"<strong>{current}</strong></li>"
        )
    chosen = html.escape(chooser.persona or "none: every request is cancelled")
    page = f"""<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>NCALayer (emulator)</title>
<style>body{{font-family:sans-serif;margin:2em}}li{{margin:.3em 0}}</style></head>
<body><h1>NCALayer (emulator)</h1>
<p>Pages connect to <code>{html.escape(listener.url)}</code>. The key is the chosen persona's:
SIGN for <code>SIGNATURE</code>, AUTH for <code>AUTHENTICATION</code>.</p>
<p>Chosen: <strong id="chosen">{chosen}</strong>
<button data-persona="">Cancel every request (no key)</button></p>
<ul>{"".join(rows)}</ul>
<script>{_SCRIPT}</script></body></html>"""
    return HTMLResponse(page)
