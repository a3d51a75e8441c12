"""What the test НУЦ signs: CA certificates, personal certificates, CRLs, OCSP answers.

Real X.509 with `cryptography`, RSA 2048 and sha256WithRSA. НУЦ РК issues GOST keys too
(kz-reference §9); those are not modelled — every key here is RSA, like the «ҰКО 3.0 (RSA
TEST)» chain that NCALayer's test kits use.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from servicekit.signatures import (
    ROLE_INDIVIDUAL,
    ROLE_LEGAL_ENTITY,
    KeyUsage,
)

KEY_SIZE = 2048
ROOT_NAME = "НУЦ РК Test Root (emulator)"
ISSUING_NAME = "ҰКО 3.0 (RSA TEST emulator)"
TSA_NAME = "НУЦ РК TSA (RSA TEST emulator)"
P12_PASSWORD = "Qwerty12"
"""The password of every persona's PKCS#12: the one NCALayer's test kits use."""

CRL_PATH = "/crl/issuing.crl"
OCSP_PATH = "/ocsp"
TSP_PATH = "/tsp"
ISSUING_CERT_PATH = "/ca/issuing.cer"
ROOT_CERT_PATH = "/ca/root.cer"

CRL_LIFETIME = timedelta(days=1)
OCSP_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Authority:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    @classmethod
    def from_pem(cls, certificate: str, key: str) -> Authority:
        return _parsed_authority(certificate, key)

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def key_pem(self) -> str:
        # Unencrypted PKCS#8: this is a test CA whose keys are meant to be in the open.
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def own_private_key(pem: str) -> rsa.RSAPrivateKey:
    """An RSA key НУЦ made and keeps in its own database or seed (a CA's, the login tokens').

    cryptography checks a private key's consistency as it loads it, against a key from
    outside: 44 ms for 2048 bits, 330 ms for 4096 (measured), paid at every start and every
    `PKI_TokenKeys` answer. These keys come from nowhere else, so the check is skipped."""
    private = serialization.load_pem_private_key(
        pem.encode(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("a key of the test НУЦ is RSA")
    return private


@functools.lru_cache(maxsize=16)
def _parsed_authority(certificate: str, key: str) -> Authority:
    # Every signature check reads both CAs; keyed by the PEM texts, a CA replaced in the
    # database is parsed anew.
    return Authority(x509.load_pem_x509_certificate(certificate.encode()), own_private_key(key))


@dataclass(frozen=True, slots=True)
class Holder:
    """Whom a certificate names: a person, and for an employee the organisation."""

    surname: str
    name: str
    patronymic: str | None
    iin: str
    bin: str | None = None
    organization: str | None = None

    def subject(self) -> x509.Name:
        # Upper case, as НУЦ РК writes names; SERIALNUMBER is a PrintableString by default.
        attributes = [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{self.surname} {self.name}".upper()),
            x509.NameAttribute(NameOID.SURNAME, self.surname.upper()),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{self.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
        if self.organization and self.bin:
            attributes += [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{self.bin}"),
            ]
        if self.patronymic:
            attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, self.patronymic.upper()))
        return x509.Name(attributes)

    def roles(self, extra: Sequence[str] = ()) -> list[str]:
        """The role OIDs: individual, or legal entity with its sub-roles (.1 CEO, .5 employee…)."""
        if self.bin:
            return [ROLE_LEGAL_ENTITY, *extra]
        return [ROLE_INDIVIDUAL]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def make_root(common_name: str, not_before: datetime, not_after: datetime) -> Authority:
    key = new_key()
    name = _ca_name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def make_issuing(
    root: Authority, common_name: str, not_before: datetime, not_after: datetime, base_url: str
) -> Authority:
    key = new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(common_name))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(_authority_key_id(root), False)
        .add_extension(_access(base_url, ROOT_CERT_PATH), False)
        .sign(root.key, hashes.SHA256())
    )
    return Authority(certificate, key)


def issue(
    issuer: Authority,
    holder: Holder,
    usage: KeyUsage,
    *,
    not_before: datetime,
    not_after: datetime,
    base_url: str,
    roles: Sequence[str] = (),
    key: rsa.RSAPrivateKey | None = None,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A personal SIGN or AUTH certificate (and its new key unless `key` is given)."""
    key = key or new_key()
    if usage is KeyUsage.SIGN:
        key_usage = _key_usage(digital_signature=True, content_commitment=True)
        purpose = ExtendedKeyUsageOID.EMAIL_PROTECTION
    else:
        key_usage = _key_usage(digital_signature=True, key_encipherment=True)
        purpose = ExtendedKeyUsageOID.CLIENT_AUTH
    ekus = [purpose, *(x509.ObjectIdentifier(oid) for oid in holder.roles(roles))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(holder.subject())
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(_authority_key_id(issuer), False)
        .add_extension(_crl_points(base_url), critical=False)
        .add_extension(_access(base_url, ISSUING_CERT_PATH, ocsp=True), False)
        .sign(issuer.key, hashes.SHA256())
    )
    return certificate, key


def make_tsa(
    issuing: Authority, common_name: str, not_before: datetime, not_after: datetime, base_url: str
) -> Authority:
    """The time-stamping authority's certificate: its one purpose, id-kp-timeStamping, is
    critical, as RFC 3161 §2.3 requires of a TSA."""
    key = new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_ca_name(common_name))
        .issuer_name(issuing.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(_authority_key_id(issuing), False)
        .add_extension(_crl_points(base_url), critical=False)
        .add_extension(_access(base_url, ISSUING_CERT_PATH, ocsp=True), False)
        .sign(issuing.key, hashes.SHA256())
    )
    return Authority(certificate, key)


def _crl_points(base_url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(base_url + CRL_PATH)],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )


def pkcs12_of(
    alias: str,
    key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    password: str = P12_PASSWORD,
) -> bytes:
    """PKCS#12 with PBES2/AES-256 and a SHA-256 MAC, which Java's keystore (NCALayer) reads."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(10000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        alias.encode(), key, certificate, list(chain), encryption
    )


@dataclass(frozen=True, slots=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: x509.ReasonFlags


def build_crl(
    issuer: Authority,
    revoked: Sequence[RevokedEntry],
    *,
    number: int,
    this_update: datetime,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(this_update)
        .next_update(this_update + CRL_LIFETIME)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_authority_key_id(issuer), critical=False)
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revoked_at)
            .add_extension(x509.CRLReason(entry.reason), critical=False)
            .build()
        )
    return builder.sign(issuer.key, hashes.SHA256())


def issued_by(issuer: Authority, request: ocsp.OCSPRequest) -> bool:
    """Whether an OCSP request's CertID names `issuer` (its name and key hashes)."""
    algorithm = request.hash_algorithm.name
    if algorithm not in hashlib.algorithms_available:
        return False
    subject = issuer.certificate.subject.public_bytes()
    # For RSA the subjectPublicKey BIT STRING holds exactly the PKCS#1 RSAPublicKey.
    key_bits = issuer.key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )
    return (
        hashlib.new(algorithm, subject).digest() == request.issuer_name_hash
        and hashlib.new(algorithm, key_bits).digest() == request.issuer_key_hash
    )


def ocsp_answer(
    issuer: Authority,
    request: ocsp.OCSPRequest,
    *,
    status: ocsp.OCSPCertStatus,
    now: datetime,
    revoked: RevokedEntry | None = None,
) -> bytes:
    """A signed OCSP response (DER) for the one certificate a request asks about."""
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash,
            issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number,
            algorithm=request.hash_algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + OCSP_LIFETIME,
            revocation_time=revoked.revoked_at if revoked else None,
            revocation_reason=revoked.reason if revoked else None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
    )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce)
        builder = builder.add_extension(nonce.value, critical=False)
    except x509.ExtensionNotFound:
        pass
    response = builder.sign(issuer.key, hashes.SHA256())
    return response.public_bytes(serialization.Encoding.DER)


def _ca_key_usage() -> x509.KeyUsage:
    return _key_usage(digital_signature=True, key_cert_sign=True, crl_sign=True)


def _key_usage(**flags: bool) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: flags.get(name, False) for name in names})


def _authority_key_id(issuer: Authority) -> x509.AuthorityKeyIdentifier:
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key())


def _access(base_url: str, ca_path: str, *, ocsp: bool = False) -> x509.AuthorityInformationAccess:
    descriptions = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(base_url + ca_path),
        )
    ]
    if ocsp:
        descriptions.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier(base_url + OCSP_PATH),
            )
        )
    return x509.AuthorityInformationAccess(descriptions)
