"""The keys a page can get: the personas' PKCS#12 files, and the tester who stands in for the
user at NCALayer's file dialog by choosing a persona (or nothing: the user cancels)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from servicekit.signatures import DN_NAMES, KeyUsage

SIGN_EKU = ExtendedKeyUsageOID.EMAIL_PROTECTION.dotted_string
AUTH_EKU = ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string


class KeyType(StrEnum):
    """NCALayer's `keyType` argument; anything else lets the user pick any key."""

    SIGNATURE = "SIGNATURE"
    AUTHENTICATION = "AUTHENTICATION"


class UserCancelled(Exception):
    """The user closed NCALayer's dialog: no persona is chosen."""


class WrongPassword(Exception):
    """The chosen key does not open with the password the tester gave."""


class NoSuitableKey(Exception):
    """The chosen persona has no key the request accepts (its type or its EKU)."""


@dataclass(frozen=True, slots=True)
class Key:
    persona: str
    p12: bytes
    password: str
    certificate: x509.Certificate
    usage: KeyUsage

    @property
    def ekus(self) -> list[str]:
        return _ekus(self.certificate)


@dataclass(frozen=True, slots=True)
class PersonaCard:
    """A line of the chooser: who the persona is by the SIGN certificate (or the AUTH one)."""

    persona: str
    common_name: str
    iin: str | None
    bin: str | None
    usages: tuple[KeyUsage, ...]


@dataclass
class Chooser:
    """What the user would do in NCALayer's dialog; one for the process, set by the tester."""

    keys_dir: Path
    key_password: str
    """The files' password (the settings'): the chooser page reads the certificates with it."""
    persona: str | None
    password: str
    """What the user types into the dialog: a wrong one is refused as NCALayer refuses it."""

    def files(self, persona: str) -> dict[KeyUsage, Path]:
        candidates = {
            KeyUsage.SIGN: self.keys_dir / f"{persona}.p12",
            KeyUsage.AUTH: self.keys_dir / f"{persona}.auth.p12",
        }
        return {usage: path for usage, path in candidates.items() if path.is_file()}

    def personas(self) -> list[str]:
        return sorted({p.name.split(".")[0] for p in self.keys_dir.glob("*.p12")})

    def choose(self, persona: str | None, password: str) -> None:
        if persona is not None and not self.files(persona):
            raise KeyError(persona)
        self.persona, self.password = persona, password

    def keys(self) -> list[Key]:
        """The chosen persona's keys, SIGN first; opened with the chosen password."""
        if self.persona is None:
            raise UserCancelled
        found = []
        for usage, path in self.files(self.persona).items():
            p12 = path.read_bytes()
            try:
                certificate = _certificate(p12, self.password.encode())
            except ValueError:
                raise WrongPassword from None
            found.append(Key(self.persona, p12, self.password, certificate, usage))
        return found

    def key(
        self,
        key_type: str,
        *,
        extended_key_usages: list[str] | tuple[str, ...] = (),
        iin: str | None = None,
        bin: str | None = None,
    ) -> Key:
        """The key the user picks for a request: of `key_type` (SIGNATURE, AUTHENTICATION;
        any other value shows every key, and the user takes the SIGN one), whose certificate
        carries every OID of `extended_key_usages` and the ИИН / БИН asked for."""
        wanted = {
            KeyType.SIGNATURE.value: KeyUsage.SIGN,
            KeyType.AUTHENTICATION.value: KeyUsage.AUTH,
        }.get(key_type)
        for key in self.keys():
            if wanted is not None and key.usage is not wanted:
                continue
            if not set(extended_key_usages) <= set(key.ekus):
                continue
            subject = key.certificate.subject
            if iin is not None and _attribute(subject, NameOID.SERIAL_NUMBER) != f"IIN{iin}":
                continue
            unit = _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME)
            if bin is not None and unit != f"BIN{bin}":
                continue
            return key
        raise NoSuitableKey

    def cards(self) -> list[PersonaCard]:
        cards = []
        for persona in self.personas():
            files = self.files(persona)
            if not files:
                continue
            first = next(iter(files.values()))
            certificate = _certificate(first.read_bytes(), self.key_password.encode())
            subject = certificate.subject
            serial = _attribute(subject, NameOID.SERIAL_NUMBER) or ""
            unit = _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME) or ""
            cards.append(
                PersonaCard(
                    persona=persona,
                    common_name=_attribute(subject, NameOID.COMMON_NAME) or persona,
                    iin=serial[3:] if serial.startswith("IIN") else None,
                    bin=unit[3:] if unit.startswith("BIN") else None,
                    usages=tuple(files),
                )
            )
        return cards


def key_info(key: Key) -> dict[str, str]:
    """`getKeyInfo`'s responseObject: the fields NCALayer reports of the key the user picked;
    its instants are milliseconds since the epoch, as strings, as NCALayer writes them."""
    certificate = key.certificate
    try:
        ski = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
        key_id = ski.value.digest.hex()
    except x509.ExtensionNotFound:
        key_id = ""
    try:
        aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
        authority = (aki.value.key_identifier or b"").hex()
    except x509.ExtensionNotFound:
        authority = ""
    public_key = certificate.public_key()
    return {
        "alias": key_id,
        "keyId": key_id,
        "algorithm": "RSA" if isinstance(public_key, rsa.RSAPublicKey) else "UNKNOWN",
        "subjectCn": _attribute(certificate.subject, NameOID.COMMON_NAME) or "",
        "subjectDn": certificate.subject.rfc4514_string(DN_NAMES),
        "issuerCn": _attribute(certificate.issuer, NameOID.COMMON_NAME) or "",
        "issuerDn": certificate.issuer.rfc4514_string(DN_NAMES),
        "serialNumber": format(certificate.serial_number, "x"),
        "certNotBefore": str(int(certificate.not_valid_before_utc.timestamp() * 1000)),
        "certNotAfter": str(int(certificate.not_valid_after_utc.timestamp() * 1000)),
        "authorityKeyIdentifier": authority,
        "pem": certificate.public_bytes(serialization.Encoding.PEM).decode(),
    }


@functools.lru_cache(maxsize=128)
def _certificate(p12: bytes, secret: bytes) -> x509.Certificate:
    # Opening a PKCS#12 costs ≈ 30 ms; the chooser page opens every persona's.
    _key, certificate, _chain = pkcs12.load_key_and_certificates(p12, secret)
    if certificate is None:
        raise ValueError("no certificate in the PKCS#12")
    return certificate


def _ekus(certificate: x509.Certificate) -> list[str]:
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
