"""НУЦ, the national certification centre: the check of an ЭЦП signature (a CMS) over a
document (V9, V18, V19, M3, M6.5, M10.4, M17), and what a state service needs for its logins:
the token keys and a certificate's status (`servicekit.tokens`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.registries.base import LookupAnswer, Operation, RegistryAnswer, RegistryRequest

НУЦ = "НУЦ"


class VerifyRequest(RegistryRequest):
    cms: str
    """Base64 of the CMS's DER."""
    data: str
    """Base64 of the signed document."""
    expected_iin: str | None = None
    expected_bin: str | None = None
    key_usage: str = "SIGN"


class Subject(RegistryAnswer):
    common_name: str | None = None
    sur_name: str | None = None
    given_name: str | None = None
    iin: str | None = None
    bin: str | None = None
    organization: str | None = None
    country: str | None = None
    dn: str


class Issuer(RegistryAnswer):
    common_name: str | None = None
    dn: str


class Certificate(RegistryAnswer):
    serial_number: str
    not_before: datetime
    not_after: datetime
    key_usage: str | None = None
    key_user: list[str]
    """НУЦ РК role OIDs (keyUser: 1.2.398.3.3.4.1.2.1 CEO…)."""
    sign_alg: str
    subject: Subject
    issuer: Issuer


class SignerProblem(RegistryAnswer):
    code: str
    messages: dict[str, str]


class Signer(RegistryAnswer):
    valid: bool
    signing_time: datetime | None = None
    judged_at: datetime
    certificate: Certificate
    problems: list[SignerProblem]


class VerifyAnswer(RegistryAnswer):
    """A signature found bad is an answer too: `valid` false, the signers' problems."""

    valid: bool
    signers: list[Signer]

    @property
    def accepted(self) -> bool:
        return self.valid and bool(self.signers)

    @property
    def problems(self) -> list[str]:
        return [problem.code for signer in self.signers for problem in signer.problems]


VERIFY_CMS = Operation("PKI_VerifyCms", НУЦ, VerifyRequest, VerifyAnswer)


class CertificateStatusRequest(RegistryRequest):
    """Exactly one of the two names of a certificate."""

    serial_number: str | None = None
    """Hex, as in the certificate or a login token."""
    subject_key_identifier: str | None = None


class CertificateStatusAnswer(LookupAnswer):
    found: bool
    status: str | None = None
    """VALID, REVOKED, EXPIRED or NOT_YET_VALID, by the bus clock; none when not found."""
    not_after: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    certificate: str | None = None
    """PEM, when found."""


CERTIFICATE_STATUS = Operation(
    "PKI_CertificateStatus", НУЦ, CertificateStatusRequest, CertificateStatusAnswer
)


class TokenKeysRequest(RegistryRequest):
    """Nothing to ask."""


class TokenKeysAnswer(RegistryAnswer):
    keys: list[dict[str, Any]]
    """НУЦ's public keys for login tokens, as JWKS keys."""


TOKEN_KEYS = Operation("PKI_TokenKeys", НУЦ, TokenKeysRequest, TokenKeysAnswer)
