"""WS-Security on the SOAP face: the signature over the Body, read, checked and made.

What integrators send (WSS 1.0/1.1, X.509 token profile): a `wsse:Security` header holding a
`ds:Signature` whose SignedInfo references the `soap:Body` by its `wsu:Id`, exc-c14n, RSA with
SHA-256 (or 384/512). The key is named in `ds:KeyInfo` one of four ways, all read here:

- a `wsse:BinarySecurityToken` (X509v3) in the same header, by `wsse:Reference URI="#…"`;
- the certificate itself, `ds:X509Data/ds:X509Certificate` (zeep and WSS4J put it beside the
  issuer and serial);
- `ds:X509IssuerSerial` alone (WSS4J's default), or
- the subject key identifier, `wsse:KeyIdentifier ValueType="…#X509SubjectKeyIdentifier"` or
  `ds:X509SKI` (WCF's usual choice).

The last two carry no certificate: the test НУЦ gives it (`gateway.soap.trust`). This module
does the XML-DSig only — the math, through signxml over lxml and cryptography; the certificate
is judged by `trust` (chain, validity, revocation), by the bus clock. SHA-1 and GOST are
refused by name (`WSS_ALGORITHM_UNSUPPORTED`): GOST is out of this emulator's scope.

The gateway signs its own answers the same way (`sign`): a BinarySecurityToken with its
certificate, a signature over the Body, exc-c14n, RSA-SHA256.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.soap.xml import SOAP_ENV

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
_TOKEN_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0"
X509V3 = f"{_TOKEN_PROFILE}#X509v3"
SKI = f"{_TOKEN_PROFILE}#X509SubjectKeyIdentifier"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
WSU_ID = f"{{{WSU}}}Id"

_NS = {"soap": SOAP_ENV, "wsse": WSSE, "wsu": WSU, "ds": DS}
_ACCEPTED = SignatureConfiguration(
    # The one signature `find` found, never another one a sender tucked into the Body.
    location=f"./{{{SOAP_ENV}}}Header/{{{WSSE}}}Security/",
    expect_references=True,  # the Body, and often a wsu:Timestamp beside it
    signature_methods=frozenset(
        {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
    ),
    digest_algorithms=frozenset(
        {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
    ),
)


class WssRefused(ValueError):
    """The signature is refused; `code` says why (a problem code of the gateway)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True, slots=True)
class KeyName:
    """How the signature names its key: a certificate carried along, or a way to find one."""

    certificate: x509.Certificate | None = None
    issuer: str | None = None
    serial: int | None = None
    ski: bytes | None = None

    def describe(self) -> str:
        if self.certificate is not None:
            return "certificate"
        return "issuer+serial" if self.serial is not None else "subject key identifier"


@dataclass(frozen=True, slots=True)
class Signed:
    """A signed envelope as found: its signature element and the name of its key."""

    root: etree._Element
    signature: etree._Element
    key: KeyName


def find(root: etree._Element) -> Signed | None:
    """The envelope's WS-Security signature; None when it has none; `WssRefused` when the
    signature cannot name its key."""
    signatures = root.xpath("soap:Header/wsse:Security/ds:Signature", namespaces=_NS)
    if not signatures:
        return None
    if len(signatures) > 1:
        raise WssRefused("WSS_SIGNATURE_INVALID", "more than one signature in the header")
    signature = signatures[0]
    return Signed(root, signature, _key_name(signature))


def _key_name(signature: etree._Element) -> KeyName:
    key_info = signature.find("ds:KeyInfo", _NS)
    if key_info is None:
        raise WssRefused("WSS_KEY_UNKNOWN", "the signature has no KeyInfo")
    holder = key_info.find("wsse:SecurityTokenReference", _NS)
    holders = [key_info] if holder is None else [key_info, holder]
    for place in holders:
        found = _x509_data(place)
        if found is not None:
            return found
    if holder is not None:
        reference = holder.find("wsse:Reference", _NS)
        if reference is not None:
            return KeyName(certificate=_token(signature, reference.get("URI", "")))
        identifier = holder.find("wsse:KeyIdentifier", _NS)
        if identifier is not None:
            value = _base64(identifier.text, "KeyIdentifier")
            kind = identifier.get("ValueType", "")
            if kind == SKI:
                return KeyName(ski=value)
            if kind == X509V3:
                return KeyName(certificate=_certificate(value))
    raise WssRefused("WSS_KEY_UNKNOWN", "KeyInfo names no X.509 certificate this gateway reads")


def _x509_data(place: etree._Element) -> KeyName | None:
    data = place.find("ds:X509Data", _NS)
    if data is None:
        return None
    certificate = data.find("ds:X509Certificate", _NS)
    if certificate is not None:
        return KeyName(certificate=_certificate(_base64(certificate.text, "X509Certificate")))
    issuer_serial = data.find("ds:X509IssuerSerial", _NS)
    if issuer_serial is not None:
        serial = issuer_serial.findtext("ds:X509SerialNumber", None, _NS) or ""
        try:
            number = int(serial.strip())
        except ValueError:
            raise WssRefused("WSS_KEY_UNKNOWN", "X509SerialNumber is not a number") from None
        issuer = issuer_serial.findtext("ds:X509IssuerName", None, _NS)
        return KeyName(issuer=issuer, serial=number)
    ski = data.find("ds:X509SKI", _NS)
    if ski is not None:
        return KeyName(ski=_base64(ski.text, "X509SKI"))
    return None


def _token(signature: etree._Element, uri: str) -> x509.Certificate:
    """The X.509 BinarySecurityToken that a `wsse:Reference` points at, in the same header."""
    security = signature.getparent()
    assert security is not None  # found as a child of wsse:Security
    token_id = uri[1:] if uri.startswith("#") else ""
    tokens = [
        t
        for t in security.findall("wsse:BinarySecurityToken", _NS)
        if token_id and t.get(WSU_ID, t.get("Id")) == token_id
    ]
    if len(tokens) != 1:
        raise WssRefused("WSS_KEY_UNKNOWN", f"no BinarySecurityToken {uri!r} in the header")
    if tokens[0].get("ValueType", X509V3) != X509V3:
        raise WssRefused("WSS_KEY_UNKNOWN", "the BinarySecurityToken is not an X509v3 token")
    return _certificate(_base64(tokens[0].text, "BinarySecurityToken"))


def _base64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        raise WssRefused("WSS_KEY_UNKNOWN", f"{what} is not base64") from None


def _certificate(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise WssRefused("WSS_KEY_UNKNOWN", "the token is not an X.509 certificate") from None


def check(signed: Signed, certificate: x509.Certificate) -> None:
    """The signature's math with `certificate`'s key, and that the Body is what it signs;
    `WssRefused` when not. The certificate itself is judged elsewhere (`trust`)."""
    body = signed.root.find(f"{{{SOAP_ENV}}}Body")
    body_id = None if body is None else body.get(WSU_ID, body.get("Id"))
    algorithm = signed.signature.find("ds:SignedInfo/ds:SignatureMethod", _NS)
    name = "" if algorithm is None else algorithm.get("Algorithm", "")
    if name and not _accepted(name):
        raise WssRefused("WSS_ALGORITHM_UNSUPPORTED", f"signature method {name}")
    try:
        results = XMLVerifier().verify(
            signed.root,
            x509_cert=certificate,
            # Validity is `trust`'s to judge by the bus clock; signxml only does the math here.
            expect_config=replace(_ACCEPTED, verification_time=certificate.not_valid_before_utc),
        )
    except InvalidInput as exc:
        forbidden = "forbidden by configuration" in str(exc)
        code = "WSS_ALGORITHM_UNSUPPORTED" if forbidden else "WSS_SIGNATURE_INVALID"
        raise WssRefused(code, str(exc)[:200]) from None
    except (SignXMLException, ValueError, TypeError, etree.LxmlError) as exc:
        # Whatever a hostile or broken signature makes the verifier trip on (an unknown
        # transform, a key that is not RSA) is a signature that does not hold, never a 500.
        raise WssRefused("WSS_SIGNATURE_INVALID", str(exc)[:200] or type(exc).__name__) from None
    references = {
        (r.get("URI") or "") for r in signed.signature.findall("ds:SignedInfo/ds:Reference", _NS)
    }
    if not body_id or f"#{body_id}" not in references or not isinstance(results, list):
        raise WssRefused("WSS_BODY_NOT_SIGNED", "the signature does not cover the soap:Body")
    # signxml resolved each URI to the one element carrying it (ambiguity is an error there):
    # the Body's id must be the Body's alone, so what was checked is what will be read.
    holders = signed.root.xpath("//*[@*[local-name() = 'Id'] = $id]", id=body_id)
    if holders != [body]:
        raise WssRefused("WSS_BODY_NOT_SIGNED", "the signed id is not the soap:Body's")


def _accepted(algorithm: str) -> bool:
    try:
        return SignatureMethod(algorithm) in _ACCEPTED.signature_methods
    except ValueError:  # GOST, or anything signxml does not know
        return False


def sign(
    envelope: bytes,
    key: RSAPrivateKey,
    certificate: x509.Certificate,
    *,
    ids: tuple[str, str] | None = None,
) -> bytes:
    """`envelope` (a SOAP 1.1 envelope the gateway wrote) with a WS-Security signature over
    its Body: the certificate as a BinarySecurityToken, exc-c14n, RSA-SHA256. `ids` (the
    Body's and the token's wsu:Id) are fresh unless given (the contracts' fixed examples)."""
    root = etree.fromstring(envelope)
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise ValueError("not a SOAP envelope")
    body_id, token_id = ids or (f"id-{uuid.uuid4()}", f"x509-{uuid.uuid4()}")
    body.set(WSU_ID, body_id)
    header = root.find(f"{{{SOAP_ENV}}}Header")
    if header is None:
        header = etree.Element(f"{{{SOAP_ENV}}}Header")
        root.insert(0, header)
    security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(f"{{{SOAP_ENV}}}mustUnderstand", "1")
    token = etree.SubElement(
        security,
        f"{{{WSSE}}}BinarySecurityToken",
        {"EncodingType": BASE64_BINARY, "ValueType": X509V3, WSU_ID: token_id},
    )
    token.text = base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()
    key_info = etree.Element(f"{{{DS}}}KeyInfo", nsmap={"ds": DS})
    reference = etree.SubElement(
        etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference"), f"{{{WSSE}}}Reference"
    )
    reference.set("URI", f"#{token_id}")
    reference.set("ValueType", X509V3)
    signer = XMLSigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signature = signer.sign(root, key=key, reference_uri=f"#{body_id}", key_info=key_info)
    security.append(signature)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")
