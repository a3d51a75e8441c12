"""НУЦ's surface: the signature check on the sync channel and as REST (NCANode's /cms/verify),
the OCSP responder, the time-stamping authority (RFC 3161, `POST /tsp`), the CRL, the CA
certificates, and the admin API over issued certificates."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Annotated

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import APIRouter, Body, Query, Request, Response

from pki.ca import ISSUING, ROOT, TSA, current_crl, record_of, respond, revoke
from pki.issuance import Holder, issue, pkcs12_of
from pki.models import IssuedCertificate
from pki.repository import AuthorityRepository, CertificateRepository
from pki.schemas import (
    CertificateRecord,
    CertificateStatus,
    CertificateStatusAnswer,
    CertificateStatusRequest,
    IssueAnswer,
    IssueRequest,
    RevokeRequest,
    TimestampAnswer,
    TimestampRequest,
    VerifyAnswer,
    VerifyRequest,
    decode_base64,
)
from pki.settings import PkiSettings
from pki.tsp import granted, stamp
from pki.verification import verify
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.clock import instant
from servicekit.db import DbSession
from servicekit.errors import Conflict, NotFound, Problem
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

VERIFY_CMS = "PKI_VerifyCms"
CERTIFICATE_STATUS = "PKI_CertificateStatus"
TIMESTAMP = "PKI_Timestamp"

register(
    {
        "CERTIFICATE_NOT_FOUND": Texts(
            "Сертификат с серийным номером {serial} не выпускался этим УЦ",
            "Сериялық нөмірі {serial} сертификатты бұл КО шығармаған",
            "No certificate with serial number {serial} was issued by this CA",
        ),
        "CERT_ALREADY_REVOKED": Texts(
            "Сертификат {serial} уже отозван {revoked_at}",
            "{serial} сертификаты {revoked_at} бұрын кері қайтарылған",
            "The certificate {serial} was already revoked on {revoked_at}",
        ),
    }
)

provider = SyncProvider("pki")


# A read, without a transaction (no BEGIN and COMMIT for every signature checked): its only
# write, a new CRL when the stored one has gone stale on the bus clock, is one UPDATE of the CRL
# row, which commits on its own; two checks that find it stale at once both sign one, as they
# did in their own transactions.
@provider.operation(VERIFY_CMS, VerifyRequest)
async def verify_cms(data: VerifyRequest, call: SyncCall) -> VerifyAnswer:
    return await verify(call.session, data, call.clock.now())


@provider.operation(CERTIFICATE_STATUS, CertificateStatusRequest)
async def certificate_status(
    data: CertificateStatusRequest, call: SyncCall
) -> CertificateStatusAnswer:
    """What the state services ask before a signed-in person changes anything: a login token
    names its AUTH certificate, and a revoked one ends the session."""
    certificates = CertificateRepository(call.session)
    if data.serial_number is not None:
        row = await certificates.get(data.serial_number.lower())
    else:
        row = await certificates.by_key_identifier(bytes.fromhex(data.subject_key_identifier or ""))
    if row is None:
        named = data.serial_number or data.subject_key_identifier
        return CertificateStatusAnswer(
            found=False,
            code="CERTIFICATE_NOT_FOUND",
            messages=texts_for("CERTIFICATE_NOT_FOUND").render({"serial": named}),
        )
    record = to_record(row, call.clock.now())
    return CertificateStatusAnswer(
        found=True,
        status=record.status,
        not_after=record.not_after,
        revoked_at=record.revoked_at if record.status is CertificateStatus.REVOKED else None,
        revocation_reason=record.revocation_reason
        if record.status is CertificateStatus.REVOKED
        else None,
        certificate=record.certificate,
    )


@provider.operation(TIMESTAMP, TimestampRequest)
async def timestamp(data: TimestampRequest, call: SyncCall) -> TimestampAnswer:
    """The TSA of `POST /tsp` on the sync channel: the same DER messages, base64 in JSON."""
    tsa = await AuthorityRepository(call.session).get(TSA)
    reply = stamp(tsa, decode_base64(data.query), call.clock.now())
    return TimestampAnswer(granted=granted(reply), reply=base64.b64encode(reply).decode())


public = APIRouter(tags=["НУЦ"])

DER_CERT = "application/pkix-cert"
TIMESTAMP_REPLY = "application/timestamp-reply"


@public.post(
    "/cms/verify",
    summary="Check a detached CMS signature (as NCANode's /cms/verify)",
    description="The same check as the sync-channel service `PKI_VerifyCms`. A bad signature "
    "is an answer (`valid` false, `problems` with stable codes); only input that is not a "
    "CMS or not base64 is a 422 problem naming the field.",
)
async def cms_verify(
    body: Annotated[VerifyRequest, Body()], clock: BusClock, session: DbSession
) -> VerifyAnswer:
    return await verify(session, body, clock.now())


@public.post(
    "/ocsp",
    summary="OCSP responder (RFC 6960): DER OCSPRequest in, signed DER OCSPResponse out",
    response_class=Response,
    responses={200: {"content": {"application/ocsp-response": {}}}},
)
async def ocsp_responder(request: Request, clock: BusClock, session: DbSession) -> Response:
    answer = await respond(session, await request.body(), clock.now())
    return Response(answer, media_type="application/ocsp-response")


@public.post(
    "/tsp",
    summary="Time-stamping authority (RFC 3161): DER TimeStampReq in, DER TimeStampResp out",
    description="Send `application/timestamp-query` with the hash of a signature value; the "
    "token (genTime = the bus clock) goes into the CMS as the unsigned attribute "
    "signatureTimeStampToken (CAdES-T), and `/cms/verify` then judges the certificate at "
    "that genTime. A request it cannot serve is answered `rejection` with a failInfo.",
    response_class=Response,
    responses={200: {"content": {TIMESTAMP_REPLY: {}}}},
)
async def tsp_responder(request: Request, clock: BusClock, session: DbSession) -> Response:
    tsa = await AuthorityRepository(session).get(TSA)
    answer = stamp(tsa, await request.body(), clock.now())
    return Response(answer, media_type=TIMESTAMP_REPLY)


@public.get(
    "/crl/issuing.crl",
    summary="The issuing CA's CRL (DER), re-signed on every revocation",
    response_class=Response,
    responses={200: {"content": {"application/pkix-crl": {}}}},
)
async def crl(clock: BusClock, session: DbSession) -> Response:
    der = await current_crl(session, clock.now())
    return Response(der, media_type="application/pkix-crl")


@public.get(
    "/ca/{name}.cer",
    summary="A CA certificate (DER): `root` (the trust anchor) or `issuing`",
    response_class=Response,
    responses={200: {"content": {DER_CERT: {}}}, 404: {"description": "NOT_FOUND: no such CA"}},
)
async def ca_certificate(name: str, session: DbSession) -> Response:
    if name not in (ROOT, ISSUING):
        raise NotFound()
    authority = await AuthorityRepository(session).get(name)
    return Response(
        authority.certificate.public_bytes(serialization.Encoding.DER), media_type=DER_CERT
    )


admin = APIRouter(prefix="/admin/certificates", tags=["НУЦ admin"])


@admin.get("", summary="Certificates this CA issued")
async def list_certificates(
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    iin: Annotated[str | None, Query()] = None,
    bin: Annotated[str | None, Query()] = None,
    persona: Annotated[str | None, Query()] = None,
    revoked: Annotated[bool | None, Query()] = None,
) -> list[CertificateRecord]:
    found = await CertificateRepository(session).find(
        iin=iin, bin=bin, persona=persona, revoked=revoked
    )
    now = clock.now()
    return [to_record(row, now) for row in found]


@admin.get(
    "/{serial}",
    summary="One certificate by its serial number (hex)",
    responses={404: {"description": "CERTIFICATE_NOT_FOUND: no such serial"}},
)
async def get_certificate(
    _: AdminOnly, serial: str, clock: BusClock, session: DbSession
) -> CertificateRecord:
    return to_record(await _certificate(session, serial), clock.now())


@admin.post(
    "/{serial}/revoke",
    summary="Revoke a certificate: OCSP answers `revoked` and a new CRL lists it at once",
    responses={404: {"description": "CERTIFICATE_NOT_FOUND: no such serial"}},
)
async def revoke_certificate(
    _: AdminOnly,
    serial: str,
    body: Annotated[RevokeRequest, Body()],
    clock: BusClock,
    session: DbSession,
) -> CertificateRecord:
    row = await _certificate(session, serial)
    if row.revoked_at is not None:
        raise Conflict(
            "CERT_ALREADY_REVOKED",
            field="serial",
            serial=row.serial,
            revoked_at=instant(row.revoked_at),
        )
    now = clock.now()
    await revoke(session, row, body.reason, now)
    return to_record(row, now)


@admin.post(
    "",
    status_code=201,
    summary="Issue a new key and certificate for an ИИН (and БИН): answers its PKCS#12",
)
async def issue_certificate(
    _: AdminOnly,
    body: Annotated[IssueRequest, Body()],
    clock: BusClock,
    settings: PkiSettings,
    session: DbSession,
) -> IssueAnswer:
    if (body.bin is None) != (body.organization is None):
        raise Problem("FIELD_REQUIRED", status=422, field="organization" if body.bin else "bin")
    if body.roles and body.bin is None:
        raise Problem("INVALID_VALUE", status=422, field="roles")
    now = clock.now()
    authorities = AuthorityRepository(session)
    issuing, root = await authorities.get_all(ISSUING, ROOT)
    certificate, key = issue(
        issuing,
        Holder(body.surname, body.name, body.patronymic, body.iin, body.bin, body.organization),
        body.key_usage,
        not_before=now,
        not_after=now + timedelta(days=body.valid_days),
        base_url=settings.public_base_url,
        roles=body.roles,
    )
    row = record_of(certificate, persona=body.persona, issued_at=now)
    await CertificateRepository(session).put(row)
    p12 = pkcs12_of(
        body.persona or body.iin,
        key,
        certificate,
        [issuing.certificate, root.certificate],
        body.password,
    )
    return IssueAnswer(
        certificate=to_record(row, now),
        pkcs12=base64.b64encode(p12).decode(),
        password=body.password,
    )


async def _certificate(session: DbSession, serial: str) -> IssuedCertificate:
    row = await CertificateRepository(session).get(serial.lower())
    if row is None:
        raise NotFound("CERTIFICATE_NOT_FOUND", field="serial", serial=serial)
    return row


def to_record(row: IssuedCertificate, now: datetime) -> CertificateRecord:
    if row.revoked_at is not None and row.revoked_at <= now:
        status = CertificateStatus.REVOKED
    elif now < row.not_before:
        status = CertificateStatus.NOT_YET_VALID
    elif now > row.not_after:
        status = CertificateStatus.EXPIRED
    else:
        status = CertificateStatus.VALID
    pem = x509.load_der_x509_certificate(row.der).public_bytes(serialization.Encoding.PEM)
    return CertificateRecord(
        serial_number=row.serial,
        persona=row.persona,
        iin=row.iin,
        bin=row.bin,
        common_name=row.common_name,
        key_usage=row.key_usage,
        status=status,
        not_before=row.not_before,
        not_after=row.not_after,
        issued_at=row.issued_at,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        certificate=pem.decode(),
    )
