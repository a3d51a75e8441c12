"""Checks of the ЭЦП signatures of V9, V18 and V19 by НУЦ (`PKI_VerifyCms`): a detached CMS
over the canonical document, valid, not revoked, a signing key, and the signer's ИИН/БИН."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registration_service.portal import Portal
from servicekit.documents import b64, canonical
from servicekit.errors import StepRefusal
from servicekit.registries.pki import VERIFY_CMS, VerifyAnswer, VerifyRequest


@dataclass(frozen=True, slots=True)
class Signer:
    iin: str | None
    bin: str | None
    serial_number: str
    roles: tuple[str, ...] = ()
    """The НУЦ РК role OIDs of the certificate (keyUser: 1.2.398.3.3.4.1.2.1 CEO…)."""


def _judge(answer: VerifyAnswer) -> str | None:
    return None if answer.accepted else "SIGNATURE_NOT_ACCEPTED"


async def verify(
    portal: Portal, step: str, application_id: str, content: dict[str, Any], cms: str
) -> Signer:
    """The signer of `cms` over `content`; SIGNATURE_INVALID (422) when НУЦ does not accept it."""
    answer = await portal.checks.ask(
        step,
        VERIFY_CMS,
        VerifyRequest(cms=cms, data=b64(canonical(content)), key_usage="SIGN"),
        application_id=application_id,
        subject=application_id[:20],
        judge=_judge,
    )
    if answer.failure is not None:
        # НУЦ's reasons against the signature, or its refusal to read what it was given.
        problems = answer.value.problems if answer.value is not None else [answer.failure]
        reasons = ", ".join(problems) or answer.failure
        raise StepRefusal("SIGNATURE_NOT_ACCEPTED", step, field="cms", reasons=reasons)
    certificate = answer.answer.signers[0].certificate
    subject = certificate.subject
    return Signer(subject.iin, subject.bin, certificate.serial_number, tuple(certificate.key_user))
