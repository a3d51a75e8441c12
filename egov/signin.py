"""Sign in and sign as a persona, the way a user's NCALayer does: for the demos, the benchmark
and the tests. Login is НУЦ's challenge signed with the persona's AUTH key; documents are
signed with the SIGN key as a detached CMS."""

from __future__ import annotations

import base64
import uuid

import httpx

from egov.personas import PERSONA_KEY_PASSWORD, key_file
from servicekit.signatures import sign_detached


async def login(pki: httpx.AsyncClient, persona: str, audience: str) -> str:
    """A bearer token of `persona` for the state service `audience`."""
    p12 = key_file(persona, auth=True).read_bytes()
    return await login_with(pki, p12, PERSONA_KEY_PASSWORD, audience)


async def login_with(pki: httpx.AsyncClient, p12: bytes, password: str, audience: str) -> str:
    """A bearer token for `audience` by the AUTH key in `p12` (a key НУЦ issued at run time)."""
    challenge = (await pki.post("/auth/challenge")).raise_for_status().json()["challenge"]
    cms = base64.b64encode(sign_detached(p12, password, challenge.encode())).decode()
    reply = await pki.post(
        "/auth/token", json={"challenge": challenge, "cms": cms, "audience": audience}
    )
    reply.raise_for_status()
    token: str = reply.json()["accessToken"]
    return token


def sign(persona: str, document: bytes, *, auth: bool = False) -> str:
    """A detached CMS (base64) of `document` by the persona's SIGN (or AUTH) key."""
    p12 = key_file(persona, auth=auth).read_bytes()
    return base64.b64encode(sign_detached(p12, PERSONA_KEY_PASSWORD, document)).decode()


def sign_b64(persona: str, document_b64: str) -> str:
    return sign(persona, base64.b64decode(document_b64))


def bearer(token: str, idempotent: bool = False) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if idempotent:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    return headers
