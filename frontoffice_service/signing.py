"""ЭЦП checks of ИИС ЦОН 2.0 by НУЦ (`PKI_VerifyCms`, the kit's adapter): the worker's
signature of an application (M6.5, and again on arrival, M3), the provider's decision (M10.4)
and the two signatures of an acceptance act (M17). Each is a detached CMS over the canonical
bytes of a document, by a signing key, not revoked, of the person signed in (G4)."""

from __future__ import annotations

from typing import Any

from servicekit.documents import b64, canonical
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.registries import RegistryRefused, RegistryUnavailable
from servicekit.registries.pki import VERIFY_CMS, НУЦ, VerifyRequest


async def signature_problems(
    gateway: GatewayClient, document: dict[str, Any], cms: str, *, signer_iin: str
) -> list[str]:
    """НУЦ's reasons against `cms` as `signer_iin`'s signature of `document`; none when good.
    Only НУЦ's own answer gives reasons: its verdict (`valid` false, the signers' problems), or
    its refusal to read what it was given (a CMS that is not one, not base64…) — the caller
    decides whether that is the client's mistake or a tampered message. Any other fault (НУЦ
    or the gateway down, slow or failing, whatever its status) says nothing about the
    signature: it raises `RegistryUnavailable` for the caller to turn into a retry."""
    request = VerifyRequest(
        cms=cms, data=b64(canonical(document)), expected_iin=signer_iin, key_usage="SIGN"
    )
    try:
        answer = (await VERIFY_CMS(gateway, request)).answer
    except RegistryRefused as refused:
        return [refused.code]
    if answer.accepted:
        return []
    return answer.problems or ["SIGNATURE_NOT_ACCEPTED"]


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
    except RegistryUnavailable as failed:
        raise failed.refusal(step, "SIGNATURE_CHECK_UNAVAILABLE") from None
    if problems:
        raise StepRefusal(
            "SIGNATURE_NOT_ACCEPTED",
            step,
            field="cms",
            registry=НУЦ,
            reasons=", ".join(problems),
        )
