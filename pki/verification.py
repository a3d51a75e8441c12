"""A signature check as NCANode's /cms/verify makes it, judged by the test НУЦ.

Per signer: the math (messageDigest against the data, the RSA signature over the signed
attributes), an attached CMS's content against the data, the chain to the trusted test root,
the validity period and revocation by OCSP and/or CRL (the НУЦ asks its own responder and reads
its own signed CRL, the way a relying party would), the key usage (a SIGN key, not AUTH) and the
ИИН/БИН against the expected ones (rule G4). Every failed check is a problem with a stable code;
none of them stops the others.

When is the certificate judged? The signingTime attribute is the signer's word and proves
nothing (an expired key could claim any day inside its validity), so validity and revocation
are judged at the time of the check (the bus clock) — or at the genTime of a signature
timestamp (CAdES-T: an RFC 3161 token over the signature value) from the test НУЦ's own TSA,
which proves the signature existed then. A certificate revoked after that genTime still
verifies; a token that does not check out (its signature, its imprint, a TSA certificate that
is not the test hierarchy's id-kp-timeStamping one) is a problem of its own, TIMESTAMP_INVALID.
An attached CMS is accepted only when the content inside is the document byte for byte
(CMS_CONTENT_MISMATCH otherwise): the signed attributes do not cover the content, so its
messageDigest can be the document's while the CMS carries another document.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import structlog
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID
from sqlalchemy.ext.asyncio import AsyncSession

from pki.ca import ISSUING, ROOT, TSA, answer_for, current_crl
from pki.issuance import Authority
from pki.repository import AuthorityRepository
from pki.schemas import (
    CertificateInfo,
    Issuer,
    Revocation,
    RevocationMethod,
    SignatureTimestamp,
    SignerProblem,
    SignerVerdict,
    Subject,
    VerifyAnswer,
    VerifyRequest,
    decode_base64,
)
from servicekit.messages import Texts, register, texts_for
from servicekit.signatures import (
    MalformedTimestamp,
    Signer,
    Timestamp,
    describe,
    examine,
    read_cms,
    read_timestamp,
)

log = structlog.get_logger(__name__)

register(
    {
        "CMS_MALFORMED": Texts(
            "Поле «{field}» не является подписью CMS (base64 DER SignedData с сертификатом "
            "подписанта)",
            "«{field}» өрісі CMS қолтаңбасы емес (қол қоюшының сертификаты бар base64 DER "
            "SignedData)",
            "The field '{field}' is not a CMS signature (base64 DER SignedData with the "
            "signer's certificate)",
        ),
        "NOT_BASE64": Texts(
            "Поле «{field}» должно быть в кодировке base64",
            "«{field}» өрісі base64 кодтауында болуы керек",
            "The field '{field}' must be base64-encoded",
        ),
        "SIGNATURE_INVALID": Texts(
            "Подпись не соответствует документу: документ изменён или подпись повреждена",
            "Қолтаңба құжатқа сәйкес емес: құжат өзгертілген немесе қолтаңба бүлінген",
            "The signature does not match the document: the document was changed or the "
            "signature is damaged",
        ),
        "CERT_EXPIRED": Texts(
            "Срок действия сертификата подписанта истёк {not_after} (проверено на {moment})",
            "Қол қоюшы сертификатының әрекет ету мерзімі {not_after} аяқталды (тексерілген "
            "сәт {moment})",
            "The signer's certificate expired on {not_after} (checked at {moment})",
        ),
        "CERT_NOT_YET_VALID": Texts(
            "Сертификат подписанта ещё не действовал на {moment} (действует с {not_before})",
            "{moment} сәтінде қол қоюшы сертификаты әлі әрекет етпеген ({not_before} бастап "
            "әрекет етеді)",
            "The signer's certificate was not yet valid at {moment} (valid from {not_before})",
        ),
        "CMS_CONTENT_MISMATCH": Texts(
            "Подпись содержит внутри себя другой документ, а не подписываемый: нужна "
            "отсоединённая подпись или подпись с этим же документом внутри",
            "Қолтаңбаның ішінде қол қойылатын құжат емес, басқа құжат бар: бөлек қолтаңба "
            "немесе ішінде дәл осы құжат бар қолтаңба қажет",
            "The signature carries another document inside it, not the one signed: send a "
            "detached signature or one that carries this very document",
        ),
        "TIMESTAMP_INVALID": Texts(
            "Метка времени подписи (TSP) не прошла проверку: она не выдана службой меток "
            "времени НУЦ или не относится к этой подписи",
            "Қолтаңбаның уақыт белгісі (TSP) тексеруден өтпеді: оны ҰКО уақыт белгілері "
            "қызметі бермеген немесе ол бұл қолтаңбаға қатысты емес",
            "The signature's timestamp (TSP) did not pass the check: it was not issued by "
            "НУЦ's time-stamping service or does not belong to this signature",
        ),
        "CERT_REVOKED": Texts(
            "Сертификат подписанта отозван {revoked_at} (причина: {reason})",
            "Қол қоюшы сертификаты {revoked_at} кері қайтарылған (себебі: {reason})",
            "The signer's certificate was revoked on {revoked_at} (reason: {reason})",
        ),
        "CERT_UNKNOWN_CA": Texts(
            "Сертификат подписанта выдан неизвестным удостоверяющим центром ({issuer})",
            "Қол қоюшы сертификатын белгісіз куәландырушы орталық берген ({issuer})",
            "The signer's certificate was issued by an unknown certification authority ({issuer})",
        ),
        "CERT_WRONG_KEY_USAGE": Texts(
            "Для подписи использован ключ не для подписи ({key_usage}): нужен ключ SIGN "
            "(неотказуемость, ЭЦП)",
            "Қол қою үшін қол қоюға арналмаған кілт пайдаланылды ({key_usage}): SIGN кілті қажет",
            "The key used is not a signing key ({key_usage}): a SIGN key (non-repudiation) is "
            "required",
        ),
        "IIN_MISMATCH": Texts(
            "ИИН в сертификате подписанта ({actual}) не совпадает с ИИН в запросе ({expected})",
            "Қол қоюшы сертификатындағы ЖСН ({actual}) сұраудағы ЖСН-мен ({expected}) сәйкес емес",
            "The IIN in the signer's certificate ({actual}) differs from the one in the "
            "request ({expected})",
        ),
        "BIN_MISMATCH": Texts(
            "БИН в сертификате подписанта ({actual}) не совпадает с БИН в запросе ({expected})",
            "Қол қоюшы сертификатындағы БСН ({actual}) сұраудағы БСН-мен ({expected}) сәйкес емес",
            "The BIN in the signer's certificate ({actual}) differs from the one in the "
            "request ({expected})",
        ),
    }
)

_NONE = {"ru": "нет", "kk": "жоқ", "en": "none"}

# Named the Java way, as NCANode's `signAlg` shows them.
_SIGN_ALGORITHMS = {
    SignatureAlgorithmOID.RSA_WITH_SHA256: "SHA256withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "SHA384withRSA",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "SHA512withRSA",
}


def problem(code: str, **params: object) -> SignerProblem:
    return SignerProblem(code=code, messages=texts_for(code).render(params))


@dataclass(frozen=True, slots=True)
class _Trust:
    """The test hierarchy a check trusts: the root, the issuing CA, the TSA."""

    root: Authority
    issuing: Authority
    tsa: Authority

    def issued(self, certificate: x509.Certificate) -> bool:
        return _issued_by(certificate, self.issuing) and _issued_by(
            self.issuing.certificate, self.root
        )


async def verify(session: AsyncSession, request: VerifyRequest, now: datetime) -> VerifyAnswer:
    signers = read_cms(decode_base64(request.cms))
    data = base64.b64decode("".join(request.data.split()))
    trust = _Trust(*await AuthorityRepository(session).get_all(ROOT, ISSUING, TSA))
    verdicts = [await _judge(session, signer, data, request, trust, now) for signer in signers]
    return VerifyAnswer(valid=all(v.valid for v in verdicts), signers=verdicts)


async def _judge(
    session: AsyncSession,
    signer: Signer,
    data: bytes,
    request: VerifyRequest,
    trust: _Trust,
    now: datetime,
) -> SignerVerdict:
    examined = examine(signer, data)
    certificate = examined.certificate
    facts = describe(certificate)
    problems: list[SignerProblem] = []
    if not examined.intact:
        problems.append(problem("SIGNATURE_INVALID"))
    if not examined.content_matches:
        problems.append(problem("CMS_CONTENT_MISMATCH"))
    trusted = trust.issued(certificate)
    if not trusted:
        problems.append(problem("CERT_UNKNOWN_CA", issuer=facts.issuer_dn))
    stamp, stamp_valid = _timestamp(signer, trust)
    if stamp_valid is False:
        problems.append(problem("TIMESTAMP_INVALID"))
    moment = stamp.gen_time if stamp is not None and stamp_valid else now
    if moment < facts.not_before:
        problems.append(
            problem("CERT_NOT_YET_VALID", moment=_day(moment), not_before=_day(facts.not_before))
        )
    elif moment > facts.not_after:
        problems.append(
            problem("CERT_EXPIRED", moment=_day(moment), not_after=_day(facts.not_after))
        )
    revocations: list[Revocation] = []
    if trusted:
        for method in dict.fromkeys(request.check_revocation):
            if method is RevocationMethod.OCSP:
                revocations.append(await _by_ocsp(session, certificate, trust.issuing, now))
            else:
                revocations.append(await _by_crl(session, certificate, trust.issuing, now))
    # Revoked after a timestamp's genTime: the signature was made while the key was good.
    revoked = next(
        (r for r in revocations if r.revoked and (r.revoked_at is None or r.revoked_at <= moment)),
        None,
    )
    if revoked is not None:
        problems.append(
            problem(
                "CERT_REVOKED",
                revoked_at=_day(revoked.revoked_at) if revoked.revoked_at else "",
                reason=revoked.reason or "unspecified",
            )
        )
    if facts.key_usage is not request.key_usage:
        problems.append(
            problem(
                "CERT_WRONG_KEY_USAGE",
                key_usage=facts.key_usage.value if facts.key_usage else _NONE,
            )
        )
    if request.expected_iin is not None and facts.iin != request.expected_iin:
        problems.append(
            problem("IIN_MISMATCH", actual=facts.iin or _NONE, expected=request.expected_iin)
        )
    if request.expected_bin is not None and facts.bin != request.expected_bin:
        problems.append(
            problem("BIN_MISMATCH", actual=facts.bin or _NONE, expected=request.expected_bin)
        )
    return SignerVerdict(
        valid=not problems,
        signing_time=examined.signing_time,
        judged_at=moment,
        timestamp=None
        if stamp is None
        else SignatureTimestamp(
            valid=bool(stamp_valid),
            gen_time=stamp.gen_time,
            serial_number=format(stamp.serial_number, "x"),
            policy=stamp.policy,
            tsa=describe(stamp.tsa.certificate).common_name,
        ),
        certificate=CertificateInfo(
            serial_number=facts.serial_number,
            not_before=facts.not_before,
            not_after=facts.not_after,
            key_usage=facts.key_usage,
            key_user=facts.key_user,
            sign_alg=_SIGN_ALGORITHMS.get(
                certificate.signature_algorithm_oid,
                certificate.signature_algorithm_oid.dotted_string,
            ),
            subject=Subject(
                common_name=facts.common_name,
                sur_name=facts.surname,
                given_name=facts.given_name,
                iin=facts.iin,
                bin=facts.bin,
                organization=facts.organization,
                country=facts.country,
                dn=facts.dn,
            ),
            issuer=Issuer(common_name=facts.issuer_common_name, dn=facts.issuer_dn),
        ),
        revocations=revocations,
        problems=problems,
    )


def _timestamp(signer: Signer, trust: _Trust) -> tuple[Timestamp | None, bool | None]:
    """The signer's signature timestamp and whether it proves its genTime (None: no token)."""
    try:
        stamp = read_timestamp(signer, [trust.tsa.certificate])
    except MalformedTimestamp as exc:
        log.info("an unreadable signature timestamp", reason=str(exc))
        return None, False
    if stamp is None:
        return None, None
    tsa = stamp.tsa.certificate
    valid = (
        stamp.intact
        and trust.issued(tsa)
        and _time_stamping_only(tsa)
        and tsa.not_valid_before_utc <= stamp.gen_time <= tsa.not_valid_after_utc
    )
    return stamp, valid


def _time_stamping_only(certificate: x509.Certificate) -> bool:
    """RFC 3161 §2.3: a TSA certificate has exactly one EKU, id-kp-timeStamping, critical."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return False
    return extension.critical and list(extension.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def _issued_by(certificate: x509.Certificate, issuer: Authority) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


async def _by_ocsp(
    session: AsyncSession, certificate: x509.Certificate, issuing: Authority, now: datetime
) -> Revocation:
    """Ask the НУЦ's own responder, and believe the answer only if the CA signed it."""
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuing.certificate, hashes.SHA256())
        .build()
    )
    response = ocsp.load_der_ocsp_response(await answer_for(session, issuing, request, now))
    _check_signed(issuing, response.signature, response.tbs_response_bytes)
    if response.certificate_status is ocsp.OCSPCertStatus.REVOKED:
        reason = response.revocation_reason
        return Revocation(
            revoked=True,
            by=RevocationMethod.OCSP,
            reason=reason.value if reason else None,
            revoked_at=response.revocation_time_utc,
        )
    return Revocation(revoked=False, by=RevocationMethod.OCSP)


async def _by_crl(
    session: AsyncSession, certificate: x509.Certificate, issuing: Authority, now: datetime
) -> Revocation:
    crl = x509.load_der_x509_crl(await current_crl(session, now))
    public_key = issuing.key.public_key()
    if not crl.is_signature_valid(public_key):
        raise RuntimeError("the stored CRL is not signed by the issuing CA")
    entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
    if entry is None:
        return Revocation(revoked=False, by=RevocationMethod.CRL)
    try:
        reason: str | None = entry.extensions.get_extension_for_class(
            x509.CRLReason
        ).value.reason.value
    except x509.ExtensionNotFound:
        reason = None
    return Revocation(
        revoked=True, by=RevocationMethod.CRL, reason=reason, revoked_at=entry.revocation_date_utc
    )


def _check_signed(issuing: Authority, signature: bytes, signed: bytes) -> None:
    public_key: rsa.RSAPublicKey = issuing.key.public_key()
    # An OCSP answer that the CA did not sign is a bug here, not a verdict on the signer.
    public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
