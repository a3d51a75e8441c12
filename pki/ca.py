"""The test НУЦ at work: recording what it issues, revoking, its CRL and its OCSP answers.

Time is the bus clock's: a CRL's thisUpdate, an OCSP answer's producedAt, a revocation date.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from sqlalchemy.ext.asyncio import AsyncSession

from pki.issuance import Authority, RevokedEntry, build_crl, issued_by, ocsp_answer
from pki.models import IssuedCertificate, RevocationList
from pki.repository import AuthorityRepository, CertificateRepository, CrlRepository
from servicekit.signatures import describe, key_usage_of

ISSUING = "issuing"
ROOT = "root"
TSA = "tsa"
"""The time-stamping authority (pki.tsp): its key and certificate are kept with the CAs'."""


def record_of(
    certificate: x509.Certificate, *, persona: str | None, issued_at: datetime
) -> IssuedCertificate:
    facts = describe(certificate)
    usage = key_usage_of(certificate)
    if usage is None:
        raise ValueError("the test НУЦ issues SIGN and AUTH certificates only")
    return IssuedCertificate(
        serial=facts.serial_number,
        persona=persona,
        iin=facts.iin,
        bin=facts.bin,
        common_name=facts.common_name or "",
        key_usage=usage,
        not_before=facts.not_before,
        not_after=facts.not_after,
        issued_at=issued_at,
        der=certificate.public_bytes(serialization.Encoding.DER),
        revoked_at=None,
        revocation_reason=None,
    )


def _entry(record: IssuedCertificate) -> RevokedEntry:
    if record.revoked_at is None or record.revocation_reason is None:
        raise ValueError(f"certificate {record.serial} is not revoked")
    return RevokedEntry(
        int(record.serial, 16), record.revoked_at, x509.ReasonFlags(record.revocation_reason)
    )


async def publish_crl(session: AsyncSession, now: datetime) -> RevocationList:
    """Sign a new CRL of every revoked certificate, numbered one past the current one."""
    issuer = await AuthorityRepository(session).get(ISSUING)
    crls = CrlRepository(session)
    current = await crls.current(ISSUING)
    revoked = await CertificateRepository(session).find(revoked=True)
    number = current.number + 1 if current else 1
    crl = build_crl(issuer, [_entry(r) for r in revoked], number=number, this_update=now)
    row = RevocationList(
        issuer=ISSUING,
        number=number,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        der=crl.public_bytes(serialization.Encoding.DER),
    )
    await crls.replace(row)
    return row


async def current_crl(session: AsyncSession, now: datetime) -> bytes:
    """The CRL (DER); a new one is signed when the stored one is past its nextUpdate or was
    made "later" than now (a tester set the bus clock back)."""
    current = await CrlRepository(session).current(ISSUING)
    if current is None or not current.this_update <= now < current.next_update:
        current = await publish_crl(session, now)
    return current.der


async def revoke(
    session: AsyncSession, record: IssuedCertificate, reason: x509.ReasonFlags, now: datetime
) -> None:
    await CertificateRepository(session).revoke(record, now, reason.value)
    await publish_crl(session, now)


async def respond(session: AsyncSession, request_der: bytes, now: datetime) -> bytes:
    """The OCSP responder (RFC 6960): a DER request in, a signed DER response out.

    A request it cannot read is answered malformedRequest; a certificate of another issuer,
    or a serial this CA never issued, is `unknown`.
    """
    try:
        request = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        ).public_bytes(serialization.Encoding.DER)
    issuer = await AuthorityRepository(session).get(ISSUING)
    return await answer_for(session, issuer, request, now)


async def answer_for(
    session: AsyncSession, issuer: Authority, request: ocsp.OCSPRequest, now: datetime
) -> bytes:
    record = None
    if issued_by(issuer, request):
        record = await CertificateRepository(session).get(format(request.serial_number, "x"))
    if record is None:
        return ocsp_answer(issuer, request, status=ocsp.OCSPCertStatus.UNKNOWN, now=now)
    if record.revoked_at is not None and record.revoked_at <= now:
        return ocsp_answer(
            issuer, request, status=ocsp.OCSPCertStatus.REVOKED, now=now, revoked=_entry(record)
        )
    return ocsp_answer(issuer, request, status=ocsp.OCSPCertStatus.GOOD, now=now)
