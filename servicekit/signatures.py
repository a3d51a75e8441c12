"""ЭЦП: detached CMS signatures as NCALayer makes them, and the checks any service can run.

`sign_detached` does what NCALayer's `createCAdESFromBase64(storage, data, 'SIGNATURE',
attach=false)` does with an RSA key: a CMS SignedData without the content, one signer, sha256,
RSA PKCS#1 v1.5 over signed attributes contentType, signingTime and messageDigest, the
signer's certificate (and its chain from the PKCS#12) included. It is built with asn1crypto
rather than cryptography's PKCS7 builder because the builder takes signingTime from the system
clock, and a signature made on the emulator must carry the bus time.

`read_cms` and `examine` are the math of a check — the structure, the digest of the data, the
signature over the signed attributes — and `describe` reads a certificate the way НУЦ РК fills
it (kz-reference §9: SERIALNUMBER=IIN…, OU=BIN…, role OIDs in the EKU). Trust, validity and
revocation need a trust store and are the НУЦ's (`pki`) answer built on these.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from servicekit.clock import bus_clock

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


def sign_detached(
    p12: bytes, password: str | bytes, data: bytes, *, signing_time: datetime | None = None
) -> bytes:
    """A detached CMS (DER) over `data` with the key and certificate of a PKCS#12 file.

    `signing_time` defaults to the bus clock, the time the signer's NCALayer would stamp.
    """
    secret = password.encode() if isinstance(password, str) else password
    key, certificate, chain = _key_store(p12, secret)
    signer = _asn1_certificate(certificate)
    attributes = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {
                    "type": "signing_time",
                    "values": [cms.Time({"utc_time": signing_time or bus_clock.now()})],
                }
            ),
            cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(data).digest()]}),
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
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [signer, *(_asn1_certificate(c) for c in chain)],
            "signer_infos": [signer_info],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


@dataclass(frozen=True, slots=True)
class Signer:
    """One SignerInfo of a CMS with the certificate it names."""

    info: cms.SignerInfo
    certificate: x509.Certificate


@dataclass(frozen=True, slots=True)
class Examined:
    """What the math says about one signer: the evidence a verdict is built from."""

    certificate: x509.Certificate
    signing_time: datetime | None
    digest_matches: bool
    """The messageDigest attribute is the hash of the data given."""
    signature_valid: bool
    """The signature over the signed attributes verifies with the certificate's key."""

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
        signed_data = content_info["content"]
        certificates = [
            x509.load_der_x509_certificate(choice.chosen.dump())
            for choice in signed_data["certificates"] or []
            if choice.name == "certificate"
        ]
        signers = []
        for info in signed_data["signer_infos"]:
            if not info["signed_attrs"]:
                raise MalformedCms("a signer without signed attributes")
            certificate = _find_certificate(info["sid"], certificates)
            if certificate is None:
                raise MalformedCms("the signer's certificate is not in the CMS")
            signers.append(Signer(info, certificate))
    except MalformedCms:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedCms(f"{type(exc).__name__}: {exc}") from None
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
    )


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
                and _asn1_certificate(certificate).issuer.dump() == issuer
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


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
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
