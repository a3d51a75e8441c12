"""ЭЦП: detached CMS signatures as NCALayer makes them, and the checks any service can run.

`sign_detached` does what NCALayer's `createCAdESFromBase64(storage, data, 'SIGNATURE',
attach=false)` does with an RSA key: a CMS SignedData without the content, one signer, sha256,
RSA PKCS#1 v1.5 over signed attributes contentType, signingTime and messageDigest, the
signer's certificate (and its chain from the PKCS#12) included. It is built with asn1crypto
rather than cryptography's PKCS7 builder because the builder takes signingTime from the system
clock, and a signature made on the emulator must carry the bus time.

With `timestamp`, the signature becomes CAdES-T (ETSI EN 319 122): the signature value is sent
to a TSA (RFC 3161) and its token is added as the unsigned attribute signatureTimeStampToken
(1.2.840.113549.1.9.16.2.14), which proves the signature existed at the token's genTime. The
signer's own signingTime proves nothing: the signer writes it.

`read_cms`, `examine` and `read_timestamp` are the math of a check — the structure, the digest
of the data, the signature over the signed attributes, the timestamp token's own signature and
imprint — and `describe` reads a certificate the way НУЦ РК fills it (kz-reference §9:
SERIALNUMBER=IIN…, OU=BIN…, role OIDs in the EKU). Trust, validity and revocation need a trust
store and are the НУЦ's (`pki`) answer built on these.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import httpx
from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from servicekit.clock import bus_clock
from servicekit.http_clients import sync_client

# Role OIDs of НУЦ РК carried in the EKU (kz-reference §9).
ROLE_INDIVIDUAL = "1.2.398.3.3.4.1.1"
ROLE_LEGAL_ENTITY = "1.2.398.3.3.4.1.2"
ROLE_CEO = "1.2.398.3.3.4.1.2.1"
ROLE_MAY_SIGN = "1.2.398.3.3.4.1.2.2"
ROLE_MAY_SIGN_FINANCIAL = "1.2.398.3.3.4.1.2.3"
ROLE_HR = "1.2.398.3.3.4.1.2.4"
ROLE_EMPLOYEE = "1.2.398.3.3.4.1.2.5"
ROLE_OID_ARC = "1.2.398.3.3.4."

# The RDN names NCANode prints in `subject.dn` (cryptography says SN, GN and 2.5.4.5).
DN_NAMES = {
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME",
}


class KeyUsage(StrEnum):
    SIGN = "SIGN"
    AUTH = "AUTH"


class MalformedCms(ValueError):
    """The bytes are not a CMS SignedData this check can read; the reason is for logs."""


@functools.lru_cache(maxsize=64)
def _key_store(
    p12: bytes, secret: bytes
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, list[x509.Certificate]]:
    # Opening a PKCS#12 (its key derivation and the RSA key's checks) costs ≈ 30 ms, more than
    # the signature itself; a signer signs with the same file again and again.
    key, certificate, chain = pkcs12.load_key_and_certificates(p12, secret)
    if not isinstance(key, rsa.RSAPrivateKey) or certificate is None:
        raise ValueError("the PKCS#12 holds no RSA key with its certificate")
    return key, certificate, list(chain)


TimestampTransport = Callable[[bytes], bytes]
"""Sends a DER TimeStampReq to a TSA (RFC 3161) and gives back its DER TimeStampResp."""


class TimestampRefused(ValueError):
    """The TSA granted no token, or its reply does not answer the query sent."""


def sign_detached(
    p12: bytes,
    password: str | bytes,
    data: bytes,
    *,
    signing_time: datetime | None = None,
    timestamp: TimestampTransport | None = None,
) -> bytes:
    """A detached CMS (DER) over `data` with the key and certificate of a PKCS#12 file.

    `signing_time` defaults to the bus clock, the time the signer's NCALayer would stamp.
    With `timestamp` (a way to reach a TSA) the signature value is timestamped: CAdES-T.
    """
    return sign_cms(p12, password, data, signing_time=signing_time, timestamp=timestamp)


def sign_cms(
    p12: bytes,
    password: str | bytes,
    data: bytes | None,
    *,
    digest: bytes | None = None,
    attached: bool = False,
    signing_time: datetime | None = None,
    timestamp: TimestampTransport | None = None,
) -> bytes:
    """A CMS (DER) as NCALayer makes it: over `data`, detached or (`attached`) with the data
    inside; or over a sha256 `digest` the caller computed (NCALayer's
    `createCAdESFromBase64Hash`, `digested: true`), always detached then.

    A wrong password raises ValueError, as `pkcs12.load_key_and_certificates` does.
    """
    if (data is None) == (digest is None):
        raise ValueError("sign either the data or its digest")
    if digest is not None and (attached or not digest):
        # NCALayer signs whatever bytes it is given as the digest; a check then compares them
        # with the document's sha256.
        raise ValueError("a digest is signed detached, and is not empty")
    secret = password.encode() if isinstance(password, str) else password
    key, certificate, chain = _key_store(p12, secret)
    message_digest = digest if data is None else hashlib.sha256(data).digest()
    signer = asn1_certificate(certificate)
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [cms.Time({"utc_time": signing_time or bus_clock.now()})],
                }
            ),
            cms.CMSAttribute({"type": "message_digest", "values": [message_digest]}),
        ]
    )
    # RFC 5652 §5.4: the signature covers the attributes DER-encoded as a SET OF.
    signature = key.sign(attributes.dump(), padding.PKCS1v15(), hashes.SHA256())
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": signer.issuer, "serial_number": signer.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            "signature": signature,
        }
    )
    if timestamp is not None:
        token = request_timestamp(signature, timestamp)
        signer_info["unsigned_attrs"] = cms.CMSAttributes(
            [cms.CMSAttribute({"type": SIGNATURE_TIMESTAMP, "values": [token]})]
        )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "data",
                "content": data if attached else None,
            },
            "certificates": [signer, *(asn1_certificate(c) for c in chain)],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


SIGNATURE_TIMESTAMP = "signature_time_stamp_token"
"""id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14), as asn1crypto names it."""


class TimeStampResp(tsp.TimeStampResp):  # type: ignore[misc]  # asn1crypto has no types
    """RFC 3161's TimeStampResp: the token is absent from a refusal (asn1crypto requires it)."""

    _fields: ClassVar[list[tuple[Any, ...]]] = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def timestamp_over_http(url: str, *, timeout: float = 10.0) -> TimestampTransport:
    """A TSA reached over HTTP as RFC 3161 §3.4 says (the test НУЦ's is `<pki>/tsp`).

    Blocking: call `sign_detached` with it from a thread when an event loop runs the TSA."""

    def transport(query: bytes) -> bytes:
        try:
            with sync_client(timeout=timeout) as http:
                reply = http.post(
                    url, content=query, headers={"content-type": "application/timestamp-query"}
                )
        except httpx.HTTPError as exc:
            raise TimestampRefused(f"the TSA at {url} does not answer: {exc}") from None
        if reply.status_code != 200:
            raise TimestampRefused(f"the TSA at {url} answered HTTP {reply.status_code}")
        return reply.content

    return transport


def timestamp_query(signature: bytes, nonce: int) -> tsp.TimeStampReq:
    """A TimeStampReq over a signature value (sha256), asking for the TSA's certificate."""
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": hashlib.sha256(signature).digest(),
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )


def request_timestamp(signature: bytes, transport: TimestampTransport) -> cms.ContentInfo:
    """The TSA's token over `signature`; TimestampRefused unless it granted one for this query."""
    query = timestamp_query(signature, secrets.randbits(63))
    try:
        reply = TimeStampResp.load(transport(query.dump()), strict=True)
        status = reply["status"]
        if status["status"].native not in ("granted", "granted_with_mods"):
            said = status["status_string"].native or []
            raise TimestampRefused(f"the TSA answered {status['status'].native}: {said}")
        token: cms.ContentInfo = reply["time_stamp_token"]
        info = tsp.TSTInfo.load(token["content"]["encap_content_info"]["content"].contents)
        answers = (
            info["nonce"].native == query["nonce"].native
            and info["message_imprint"].dump() == query["message_imprint"].dump()
        )
    except TimestampRefused:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampRefused(f"not a TimeStampResp: {type(exc).__name__}: {exc}") from None
    if not answers:
        raise TimestampRefused("the token's nonce or imprint is not the query's")
    return token


@dataclass(frozen=True, slots=True)
class Signer:
    """One SignerInfo of a CMS with the certificate it names."""

    info: cms.SignerInfo
    certificate: x509.Certificate
    content: bytes | None = None
    """The content embedded in the CMS (an attached signature); None for a detached one."""


@dataclass(frozen=True, slots=True)
class Examined:
    """What the math says about one signer: the evidence a verdict is built from."""

    certificate: x509.Certificate
    signing_time: datetime | None
    digest_matches: bool
    """The messageDigest attribute is the hash of the data given."""
    signature_valid: bool
    """The signature over the signed attributes verifies with the certificate's key."""
    content_matches: bool = True
    """No content is embedded in the CMS, or the embedded content is the data byte for byte."""

    @property
    def intact(self) -> bool:
        return self.digest_matches and self.signature_valid


def read_cms(der: bytes) -> list[Signer]:
    """The signers of a CMS SignedData, each with its certificate taken from the CMS.

    Raises MalformedCms for anything that is not a SignedData with at least one signer whose
    certificate is included (NCALayer always includes it) and who has signed attributes.
    """
    try:
        content_info = cms.ContentInfo.load(der, strict=True)
        if content_info["content_type"].native != "signed_data":
            raise MalformedCms("not a SignedData")
        return _signers(content_info["content"])
    except MalformedCms:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedCms(f"{type(exc).__name__}: {exc}") from None


def _signers(signed_data: cms.SignedData, known: Sequence[x509.Certificate] = ()) -> list[Signer]:
    certificates = [
        x509.load_der_x509_certificate(choice.chosen.dump())
        for choice in signed_data["certificates"] or []
        if choice.name == "certificate"
    ]
    embedded = signed_data["encap_content_info"]["content"]
    content = None if embedded.native is None else embedded.contents
    signers = []
    for info in signed_data["signer_infos"]:
        if not info["signed_attrs"]:
            raise MalformedCms("a signer without signed attributes")
        certificate = _find_certificate(info["sid"], [*certificates, *known])
        if certificate is None:
            raise MalformedCms("the signer's certificate is not in the CMS")
        signers.append(Signer(info, certificate, content))
    if not signers:
        raise MalformedCms("no signers")
    return signers


def examine(signer: Signer, data: bytes) -> Examined:
    """Check a signer's messageDigest against `data` and its signature over the attributes."""
    info = signer.info
    digest_name = info["digest_algorithm"]["algorithm"].native
    attributes = {attr["type"].native: attr["values"] for attr in info["signed_attrs"]}
    digest = _HASHES.get(digest_name)
    declared = attributes.get("message_digest")
    digest_matches = (
        digest is not None
        and declared is not None
        and declared[0].native == hashlib.new(digest_name, data).digest()
    )
    times = attributes.get("signing_time")
    signing_time = times[0].native if times else None
    return Examined(
        certificate=signer.certificate,
        signing_time=signing_time,
        digest_matches=digest_matches,
        signature_valid=digest is not None and _signature_valid(signer, digest),
        # An attached CMS whose messageDigest is the document's but whose content is another
        # document would carry that other document as "signed" wherever it is read again.
        content_matches=signer.content is None or signer.content == data,
    )


class MalformedTimestamp(ValueError):
    """A signatureTimeStampToken is there but is not a readable RFC 3161 token."""


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A signer's signatureTimeStampToken: what the TSA says and whether its math holds."""

    tsa: Examined
    """The TSA's signature over the TSTInfo, checked as any signer's."""
    gen_time: datetime
    serial_number: int
    policy: str
    imprint_matches: bool
    """The token's messageImprint is the hash of this signer's signature value."""
    certificate_bound: bool
    """The token's ESS signingCertificate(V2) names the certificate that signed it."""

    @property
    def intact(self) -> bool:
        return self.tsa.intact and self.imprint_matches and self.certificate_bound


def read_timestamp(signer: Signer, known: Sequence[x509.Certificate] = ()) -> Timestamp | None:
    """The signer's signatureTimeStampToken (CAdES-T), None when it has none.

    `known` are TSA certificates to use when the token does not carry its own. Raises
    MalformedTimestamp for a token that cannot be read: one that is there must be checked.
    """
    unsigned = signer.info["unsigned_attrs"]
    tokens = [
        value
        for attribute in (unsigned if unsigned.native is not None else [])
        if attribute["type"].native == SIGNATURE_TIMESTAMP
        for value in attribute["values"]
    ]
    if not tokens:
        return None
    try:
        if len(tokens) > 1:
            raise MalformedTimestamp("more than one signature timestamp")
        (token,) = tokens
        if token["content_type"].native != "signed_data":
            raise MalformedTimestamp("the token is not a SignedData")
        encapsulated = token["content"]["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise MalformedTimestamp("the token does not hold a TSTInfo")
        raw = encapsulated["content"].contents
        info = tsp.TSTInfo.load(raw, strict=True)
        tsa_signers = _signers(token["content"], known)
        if len(tsa_signers) != 1:
            raise MalformedTimestamp("a token has exactly one signer, the TSA")
        (tsa,) = tsa_signers
        content_types = [
            a["values"][0].native
            for a in tsa.info["signed_attrs"]
            if a["type"].native == "content_type"
        ]
        if content_types != ["tst_info"]:
            raise MalformedTimestamp("the TSA's contentType attribute is not id-ct-TSTInfo")
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        stamped = signer.info["signature"].native
        return Timestamp(
            tsa=examine(tsa, raw),
            gen_time=info["gen_time"].native,
            serial_number=info["serial_number"].native,
            policy=info["policy"].dotted,
            imprint_matches=algorithm in _HASHES
            and imprint["hashed_message"].native == hashlib.new(algorithm, stamped).digest(),
            certificate_bound=_names_certificate(tsa),
        )
    except MalformedTimestamp:
        raise
    except (MalformedCms, ValueError, TypeError, KeyError) as exc:
        raise MalformedTimestamp(f"{type(exc).__name__}: {exc}") from None


def _names_certificate(signer: Signer) -> bool:
    """RFC 3161 §2.4.1 / RFC 5816: the token binds the TSA certificate by its hash (ESS)."""
    der = signer.certificate.public_bytes(serialization.Encoding.DER)
    for attribute in signer.info["signed_attrs"]:
        name = attribute["type"].native
        if name not in ("signing_certificate", "signing_certificate_v2"):
            continue
        first = attribute["values"][0]["certs"][0]
        algorithm = (
            "sha1" if name == "signing_certificate" else first["hash_algorithm"]["algorithm"].native
        )
        if algorithm not in hashlib.algorithms_available:
            return False
        return bool(first["cert_hash"].native == hashlib.new(algorithm, der).digest())
    return False


_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def _signature_valid(signer: Signer, digest: hashes.HashAlgorithm) -> bool:
    public_key = signer.certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False  # GOST and EC keys are not modelled by the test НУЦ
    # The attributes are stored with their [0] IMPLICIT tag; the signature covers them as SET OF.
    signed = signer.info["signed_attrs"].untag().dump(force=True)
    try:
        public_key.verify(signer.info["signature"].native, signed, padding.PKCS1v15(), digest)
    except InvalidSignature:
        return False
    return True


def _find_certificate(
    sid: cms.SignerIdentifier, certificates: list[x509.Certificate]
) -> x509.Certificate | None:
    if sid.name == "issuer_and_serial_number":
        wanted = sid.chosen
        issuer = wanted["issuer"].dump()
        for certificate in certificates:
            if (
                certificate.serial_number == wanted["serial_number"].native
                and asn1_certificate(certificate).issuer.dump() == issuer
            ):
                return certificate
        return None
    key_id = sid.chosen.native
    for certificate in certificates:
        try:
            ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        except x509.ExtensionNotFound:
            continue
        if ski.value.digest == key_id:
            return certificate
    return None


def asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """A certificate read the way NCANode's /x509/info and /cms/verify report it."""

    serial_number: str
    """Lower-case hex, as NCANode prints it."""
    not_before: datetime
    not_after: datetime
    key_usage: KeyUsage | None
    """SIGN: digitalSignature + nonRepudiation and EKU emailProtection; AUTH: EKU clientAuth."""
    key_user: list[str]
    """The НУЦ РК role OIDs (1.2.398.3.3.4.…) found in the EKU."""
    common_name: str | None
    surname: str | None
    given_name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    country: str | None
    dn: str
    issuer_dn: str
    issuer_common_name: str | None


def describe(certificate: x509.Certificate) -> CertificateFacts:
    subject = certificate.subject
    serial = _attribute(subject, NameOID.SERIAL_NUMBER)
    unit = _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
    ekus = _extended_key_usages(certificate)
    return CertificateFacts(
        serial_number=format(certificate.serial_number, "x"),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        key_usage=key_usage_of(certificate),
        key_user=[oid for oid in ekus if oid.startswith(ROLE_OID_ARC)],
        common_name=_attribute(subject, NameOID.COMMON_NAME),
        surname=_attribute(subject, NameOID.SURNAME),
        given_name=_attribute(subject, NameOID.GIVEN_NAME),
        iin=serial[3:] if serial and serial.startswith("IIN") else None,
        bin=unit[3:] if unit and unit.startswith("BIN") else None,
        organization=_attribute(subject, NameOID.ORGANIZATION_NAME),
        country=_attribute(subject, NameOID.COUNTRY_NAME),
        dn=subject.rfc4514_string(DN_NAMES),
        issuer_dn=certificate.issuer.rfc4514_string(DN_NAMES),
        issuer_common_name=_attribute(certificate.issuer, NameOID.COMMON_NAME),
    )


def key_usage_of(certificate: x509.Certificate) -> KeyUsage | None:
    """SIGN or AUTH as НУЦ РК profiles them; None for anything else (a CA, a foreign key)."""
    ekus = _extended_key_usages(certificate)
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if (
        ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string in ekus
        and usage is not None
        and usage.digital_signature
        and usage.content_commitment
    ):
        return KeyUsage.SIGN
    if ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string in ekus:
        return KeyUsage.AUTH
    return None


def _extended_key_usages(certificate: x509.Certificate) -> list[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return []
    return [oid.dotted_string for oid in extension.value]


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode()
