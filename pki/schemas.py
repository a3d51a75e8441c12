"""The contract of НУЦ: a signature check as NCANode's /cms/verify answers it, and the admin API."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from cryptography import x509
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from servicekit.identifiers import Bin, Iin
from servicekit.signatures import KeyUsage, MalformedCms, read_cms


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


def decode_base64(value: str) -> bytes:
    """Base64 as NCALayer and NCANode send it; line breaks inside are tolerated."""
    return base64.b64decode("".join(value.split()), validate=True)


def _cms(value: str) -> str:
    try:
        read_cms(decode_base64(value))
    except (binascii.Error, ValueError, MalformedCms):
        raise PydanticCustomError("CMS_MALFORMED", "CMS_MALFORMED") from None
    return value


def _base64(value: str) -> str:
    try:
        decode_base64(value)
    except (binascii.Error, ValueError):
        raise PydanticCustomError("NOT_BASE64", "NOT_BASE64") from None
    return value


CmsBase64 = Annotated[str, AfterValidator(_cms)]
"""A CMS SignedData (DER, base64); anything else fails with CMS_MALFORMED naming the field."""

Base64Data = Annotated[str, Field(min_length=1), AfterValidator(_base64)]


class RevocationMethod(StrEnum):
    OCSP = "OCSP"
    CRL = "CRL"


class VerifyRequest(Contract):
    """`PKI_VerifyCms` and `POST /cms/verify`: check a CMS over a document."""

    cms: CmsBase64 = Field(
        description="the CMS, base64 of its DER: detached, or attached with this very document "
        "inside (CMS_CONTENT_MISMATCH otherwise); CAdES-T with a signature timestamp of НУЦ's TSA"
    )
    data: Base64Data = Field(description="the signed document, base64")
    expected_iin: Iin | None = Field(
        default=None, description="the ИИН the signer must have (rule G4)"
    )
    expected_bin: Bin | None = Field(
        default=None, description="the БИН of the organisation the signer must sign for (G4)"
    )
    check_revocation: list[RevocationMethod] = Field(
        default=[RevocationMethod.OCSP, RevocationMethod.CRL],
        description="how to check revocation, as NCANode's revocationCheck",
    )
    key_usage: KeyUsage = Field(
        default=KeyUsage.SIGN,
        description="the key the signature must be made with: SIGN for documents, AUTH for "
        "signing in (NCALayer's SIGNATURE / AUTHENTICATION key types)",
    )


class Subject(Contract):
    common_name: str | None
    sur_name: str | None
    given_name: str | None = Field(description="the patronymic (GIVENNAME)")
    iin: str | None
    bin: str | None
    organization: str | None
    country: str | None
    dn: str


class Issuer(Contract):
    common_name: str | None
    dn: str


class CertificateInfo(Contract):
    serial_number: str
    not_before: datetime
    not_after: datetime
    key_usage: KeyUsage | None
    key_user: list[str] = Field(description="НУЦ РК role OIDs (1.2.398.3.3.4.…)")
    sign_alg: str
    subject: Subject
    issuer: Issuer


class Revocation(Contract):
    revoked: bool
    by: RevocationMethod
    reason: str | None = None
    revoked_at: datetime | None = None


class SignerProblem(Contract):
    code: str
    messages: dict[str, str]


class SignatureTimestamp(Contract):
    """A CAdES-T signature timestamp (RFC 3161 token over the signature value)."""

    valid: bool = Field(
        description="signed by the test НУЦ's TSA over this signature: genTime is proved"
    )
    gen_time: datetime
    serial_number: str = Field(description="the token's serial number, hex")
    policy: str
    tsa: str | None = Field(description="the TSA certificate's common name")


class SignerVerdict(Contract):
    valid: bool
    signing_time: datetime | None = Field(
        description="the signingTime attribute: the signer's own claim, informative only"
    )
    judged_at: datetime = Field(
        description="when validity and revocation were judged: a valid timestamp's genTime, "
        "else the time of the check (the bus clock)"
    )
    timestamp: SignatureTimestamp | None
    certificate: CertificateInfo
    revocations: list[Revocation]
    problems: list[SignerProblem]


class VerifyAnswer(Contract):
    """A check that finds the signature bad is still an answer: `valid` false, `problems`."""

    valid: bool
    signers: list[SignerVerdict]


# --- admin --------------------------------------------------------------------------------


class CertificateStatus(StrEnum):
    VALID = "VALID"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"


class CertificateRecord(Contract):
    serial_number: str
    persona: str | None
    iin: str | None
    bin: str | None
    common_name: str
    key_usage: KeyUsage
    status: CertificateStatus = Field(description="by the bus clock")
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    certificate: str = Field(description="PEM")


class TimestampRequest(Contract):
    """`PKI_Timestamp`: the TSA through ШЭП, for a sender that cannot reach `POST /tsp`."""

    query: Base64Data = Field(description="an RFC 3161 TimeStampReq, base64 of its DER")


class TimestampAnswer(Contract):
    granted: bool = Field(description="a token was issued; else `reply` holds the rejection")
    reply: str = Field(description="the RFC 3161 TimeStampResp, base64 of its DER")


class CertificateStatusRequest(Contract):
    """`PKI_CertificateStatus`: is a certificate this CA issued still good (by the bus clock)?
    Named by its serial number, or by its subject key identifier (how WS-Security often names
    a signer's key); exactly one of the two."""

    serial_number: str | None = Field(
        default=None,
        pattern="^[0-9a-fA-F]{1,40}$",
        description="hex, as in the certificate or a login token",
    )
    subject_key_identifier: str | None = Field(
        default=None,
        pattern="^[0-9a-fA-F]{2,128}$",
        description="hex of the certificate's subjectKeyIdentifier extension",
    )

    @model_validator(mode="after")
    def _one_name(self) -> CertificateStatusRequest:
        if (self.serial_number is None) == (self.subject_key_identifier is None):
            # Named after the field a caller most likely meant to give.
            raise PydanticCustomError("FIELD_REQUIRED", "FIELD_REQUIRED")
        return self


class CertificateStatusAnswer(Contract):
    """Found: `status` and the dates. Not found is an answer too: `found` false, `code`,
    `messages`."""

    found: bool
    status: CertificateStatus | None = None
    not_after: datetime | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    code: str | None = None
    messages: dict[str, str] | None = None
    certificate: str | None = Field(
        default=None,
        description="PEM, when found: what a relying party that was given only the serial or "
        "the key identifier checks a signature with",
    )


RevocationReason = Annotated[
    x509.ReasonFlags,
    Field(description="RFC 5280 reason: keyCompromise, affiliationChanged, superseded…"),
]


class RevokeRequest(Contract):
    reason: RevocationReason


class IssueRequest(Contract):
    """A new key and certificate for a person (with `bin` and `organization`: an employee)."""

    iin: Iin
    surname: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    patronymic: str | None = Field(default=None, max_length=100)
    bin: Bin | None = None
    organization: str | None = Field(default=None, min_length=1, max_length=200)
    key_usage: KeyUsage = KeyUsage.SIGN
    roles: list[Annotated[str, Field(pattern=r"^1\.2\.398\.3\.3\.4\.1\.2\.[1-5]$")]] = Field(
        default=[], description="sub-roles of an employee: 1.2.398.3.3.4.1.2.1 CEO … .5 employee"
    )
    valid_days: int = Field(default=365, ge=1, le=3650)
    persona: str | None = Field(default=None, max_length=64)
    password: str = Field(default="Qwerty12", min_length=4, max_length=64)


class IssueAnswer(Contract):
    certificate: CertificateRecord
    pkcs12: str = Field(description="base64 PKCS#12: the new key, its certificate, the chain")
    password: str
