"""Checks of the ЭЦП signatures of V9, V18 and V19 by НУЦ (`PKI_VerifyCms`): a detached CMS
over the canonical document, valid, not revoked, a signing key, and the signer's ИИН/БИН."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registration_service.portal import Portal
from registration_service.problems import StepProblem
from servicekit.documents import b64, canonical


@dataclass(frozen=True, slots=True)
class Signer:
    iin: str | None
    bin: str | None
    serial_number: str
    roles: tuple[str, ...] = ()
    """The НУЦ РК role OIDs of the certificate (keyUser: 1.2.398.3.3.4.1.2.1 CEO…)."""


async def verify(
    portal: Portal, step: str, application_id: str, content: dict[str, Any], cms: str
) -> Signer:
    """The signer of `cms` over `content`; SIGNATURE_INVALID (422) when НУЦ does not accept it."""

    def judge(answer: dict[str, Any]) -> str | None:
        return None if answer.get("valid") and answer.get("signers") else "SIGNATURE_NOT_ACCEPTED"

    answer = await portal.checks.ask(
        step,
        "PKI_VerifyCms",
        {"cms": cms, "data": b64(canonical(content)), "keyUsage": "SIGN"},
        application_id=application_id,
        subject=application_id[:20],
        judge=judge,
    )
    if not answer.passed:
        reasons = _reasons(answer.data) or answer.failure or "SIGNATURE_NOT_ACCEPTED"
        raise StepProblem("SIGNATURE_NOT_ACCEPTED", step, field="cms", reasons=reasons)
    certificate = answer.data["signers"][0]["certificate"]
    subject = certificate["subject"]
    return Signer(
        subject.get("iin"),
        subject.get("bin"),
        certificate["serialNumber"],
        tuple(certificate.get("keyUser", ())),
    )


def _reasons(answer: dict[str, Any]) -> str:
    codes = [p["code"] for s in answer.get("signers", []) for p in s.get("problems", [])]
    if not codes and isinstance(answer.get("errorInfo"), dict):
        sub = answer["errorInfo"].get("subError") or {}
        codes = [sub.get("errorCode", "CMS_MALFORMED")]
    return ", ".join(codes)
