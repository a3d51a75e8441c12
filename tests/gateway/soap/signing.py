"""WS-Security as the tests' clients make it: with libxmlsec1 (python-xmlsec, what zeep's
plugin uses), an implementation independent of the gateway's signxml, and the personas' keys.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    pkcs12,
)
from lxml import etree
from zeep.wsse.signature import (
    _sign_envelope_with_key,
    _sign_envelope_with_key_binary,
    _verify_envelope_with_key,
)

from gateway.soap.wss import BASE64_BINARY, DS, SKI, WSSE, WSU, WSU_ID, X509V3
from gateway.soap.xml import SOAP_ENV

KEYS = Path(__file__).resolve().parents[3] / "personas" / "keys"
PASSWORD = b"Qwerty12"

EXCL_C14N = xmlsec.constants.TransformExclC14N
RSA_SHA256 = xmlsec.constants.TransformRsaSha256
SHA256 = xmlsec.constants.TransformSha256
PEM = xmlsec.constants.KeyDataFormatPem

KeyReference = Literal["token", "certificate", "issuer-serial", "ski"]


@dataclass(frozen=True)
class Persona:
    key: RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def load(cls, file: str) -> Persona:
        key, certificate, _ = pkcs12.load_key_and_certificates((KEYS / file).read_bytes(), PASSWORD)
        assert isinstance(key, RSAPrivateKey)
        assert certificate is not None
        return cls(key, certificate)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(Encoding.PEM)


def sign(
    envelope: bytes,
    persona: Persona,
    key_reference: KeyReference = "token",
    *,
    body: bool = True,
) -> bytes:
    """`envelope` signed the way integrators' stacks do it: a wsse:Security header, the Body
    referenced by its wsu:Id, exc-c14n, RSA-SHA256, the key named as `key_reference` says
    (a BinarySecurityToken, the X509Certificate, X509IssuerSerial alone, or the SKI). With
    `body` false, a wsu:Timestamp is signed instead of the Body."""
    root = etree.fromstring(envelope)
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV}}}Header")
        root.insert(0, header)
    security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    if body:
        target = root.find(f"{{{SOAP_ENV}}}Body")
        assert target is not None
    else:
        target = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        etree.SubElement(target, f"{{{WSU}}}Created").text = "2026-11-22T05:00:00Z"
    target.set(WSU_ID, "id-body")
    signature = xmlsec.template.create(root, EXCL_C14N, RSA_SHA256)
    reference = xmlsec.template.add_reference(signature, SHA256, uri="#id-body")
    xmlsec.template.add_transform(reference, EXCL_C14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    holder = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
    der = persona.certificate.public_bytes(Encoding.DER)
    if key_reference == "token":
        token = etree.SubElement(
            security,
            f"{{{WSSE}}}BinarySecurityToken",
            {"EncodingType": BASE64_BINARY, "ValueType": X509V3, WSU_ID: "x509-token"},
        )
        token.text = base64.b64encode(der).decode()
        etree.SubElement(holder, f"{{{WSSE}}}Reference", URI="#x509-token", ValueType=X509V3)
    elif key_reference == "certificate":
        data = etree.SubElement(holder, f"{{{DS}}}X509Data")
        etree.SubElement(data, f"{{{DS}}}X509Certificate").text = base64.b64encode(der).decode()
    elif key_reference == "issuer-serial":
        serial = etree.SubElement(
            etree.SubElement(holder, f"{{{DS}}}X509Data"), f"{{{DS}}}X509IssuerSerial"
        )
        etree.SubElement(
            serial, f"{{{DS}}}X509IssuerName"
        ).text = persona.certificate.issuer.rfc4514_string()
        etree.SubElement(serial, f"{{{DS}}}X509SerialNumber").text = str(
            persona.certificate.serial_number
        )
    else:
        identifier = persona.certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
        element = etree.SubElement(
            holder, f"{{{WSSE}}}KeyIdentifier", ValueType=SKI, EncodingType=BASE64_BINARY
        )
        element.text = base64.b64encode(identifier).decode()
    security.append(signature)
    context = xmlsec.SignatureContext()
    context.register_id(target, "Id", WSU)
    context.key = xmlsec.Key.from_memory(persona.key_pem, PEM, None)
    context.sign(signature)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def verify_answer(answer: bytes | etree._Element, certificate: x509.Certificate) -> None:
    """The gateway's signature on its answer, checked by libxmlsec1 (zeep's own check)."""
    envelope = etree.fromstring(answer) if isinstance(answer, bytes) else answer
    pem = certificate.public_bytes(Encoding.PEM)
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatCertPem)
    _verify_envelope_with_key(envelope, key)  # type: ignore[no-untyped-call]


class ZeepSignature:
    """zeep's WS-Security signing (its `wsse.signature` functions over libxmlsec1) with a
    persona's key, RSA-SHA256, the certificate as a BinarySecurityToken (`binary`) or as
    X509Data; answers are checked with the gateway's certificate, as zeep's own `verify`
    would check them with the client's."""

    def __init__(self, persona: Persona, gateway: x509.Certificate, *, binary: bool) -> None:
        self.persona = persona
        self.gateway = gateway
        self.binary = binary

    def apply(
        self, envelope: etree._Element, headers: dict[str, str]
    ) -> tuple[etree._Element, dict[str, str]]:
        key = xmlsec.Key.from_memory(self.persona.key_pem, PEM, None)
        key.load_cert_from_memory(self.persona.certificate_pem, PEM)
        sign = _sign_envelope_with_key_binary if self.binary else _sign_envelope_with_key
        sign(envelope, key, RSA_SHA256, SHA256)  # type: ignore[no-untyped-call]
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        verify_answer(envelope, self.gateway)
        return envelope
