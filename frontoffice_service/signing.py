"""ЭЦП checks of ИИС ЦОН 2.0 by НУЦ (`PKI_VerifyCms`, through the gateway): the worker's
signature of an application (M6.5, and again on arrival, M3), the provider's decision (M10.4)
and the two signatures of an acceptance act (M17). Each is a detached CMS over the canonical
bytes of a document, by a signing key, not revoked, of the person signed in (G4)."""

from __future__ import annotations

from typing import Any

import structlog

from frontoffice_service.problems import Refusal
from servicekit.documents import b64, canonical
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable

log = structlog.get_logger(__name__)

VERIFY_CMS = "PKI_VerifyCms"
НУЦ = "НУЦ"


async def signature_problems(
    gateway: GatewayClient, document: dict[str, Any], cms: str, *, signer_iin: str
) -> list[str]:
    """НУЦ's reasons against `cms` as `signer_iin`'s signature of `document`; none when good.
    Only НУЦ's own answer gives reasons: its verdict (`valid` false, the signers' problems), or
    its refusal to read what it was given (a CMS that is not one, not base64…) — the caller
    decides whether that is the client's mistake or a tampered message. Any other fault (НУЦ
    or the gateway down, slow or failing, whatever its status) says nothing about the
    signature: it raises `GatewayUnreachable`/`GatewayFault` for the caller to turn into a
    retry."""
    payload = {
        "cms": cms,
        "data": b64(canonical(document)),
        "expectedIin": signer_iin,
        "keyUsage": "SIGN",
    }
    try:
        answer = (await gateway.call(VERIFY_CMS, payload)).response_data.data
    except GatewayFault as exc:
        if exc.refusal is None:
            raise
        return [exc.refusal.error_code]
    if answer.get("valid") and answer.get("signers"):
        return []
    codes = [p["code"] for s in answer.get("signers", []) for p in s.get("problems", [])]
    return codes or ["SIGNATURE_NOT_ACCEPTED"]


async def require_signature(
    gateway: GatewayClient,
    document: dict[str, Any],
    cms: str,
    *,
    signer_iin: str,
    step: str,
) -> None:
    """422 SIGNATURE_NOT_ACCEPTED (with НУЦ's reasons) unless `cms` is `signer_iin`'s good
    signature of `document`; 503 SIGNATURE_CHECK_UNAVAILABLE when НУЦ cannot answer."""
    try:
        problems = await signature_problems(gateway, document, cms, signer_iin=signer_iin)
    except (GatewayFault, GatewayUnreachable) as exc:
        log.warning("НУЦ unavailable for a signature check", step=step, error=str(exc))
        raise Refusal("SIGNATURE_CHECK_UNAVAILABLE", step=step, status=503, registry=НУЦ) from None
    if problems:
        raise Refusal(
            "SIGNATURE_NOT_ACCEPTED",
            step=step,
            field="cms",
            registry=НУЦ,
            reasons=", ".join(problems),
        )
