"""The signatures NCALayer makes, with a persona's key: CMS (CAdES-BES: detached, attached, or
over a digest the page computed) through `servicekit.signatures`, as every signature of the bus
is made, and XMLDSig enveloped signatures through signxml, shaped as NCALayer's `signXml`
writes them (rsa-sha256, sha256 digest, inclusive c14n, the certificate in KeyInfo)."""

from __future__ import annotations

import base64
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import XMLSigner

from ncalayer.keys import Key
from servicekit.signatures import sign_cms

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
"""What NCALayer's `signXml` answers start with (Java's transformer, double quotes)."""

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class XmlInvalid(ValueError):
    """The XML to sign does not parse; the text is SAX's, as NCALayer reports it."""


def cms(
    key: Key,
    data: bytes | None,
    *,
    digest: bytes | None = None,
    attached: bool = False,
    signing_time: datetime,
) -> bytes:
    return sign_cms(
        key.p12,
        key.password,
        data,
        digest=digest,
        attached=attached,
        signing_time=signing_time,
    )


def pem_cms(der: bytes) -> str:
    """The `basics` module's CMS: PEM armoured, 64 characters a line."""
    text = base64.b64encode(der).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN CMS-----\n" + "\n".join(lines) + "\n-----END CMS-----\n"


def xml(key: Key, document: str, signature_parent: str = "") -> str:
    """`document` with an enveloped XMLDSig over the whole of it, appended to the root or to
    the element `signature_parent` (an XPath) names."""
    try:
        root = etree.fromstring(document.encode(), _PARSER)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise XmlInvalid(
            f"org.xml.sax.SAXParseException; lineNumber: {line}; columnNumber: {column}; {exc.msg}"
        ) from None
    private_key, certificate, _chain = pkcs12.load_key_and_certificates(
        key.p12, key.password.encode()
    )
    if not isinstance(private_key, rsa.RSAPrivateKey) or certificate is None:
        raise ValueError("the PKCS#12 holds no RSA key with its certificate")
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0,
    )
    signed = signer.sign(
        root,
        key=private_key,
        cert=[certificate.public_bytes(serialization.Encoding.PEM).decode()],
    )
    if signature_parent:
        parents = signed.xpath(signature_parent)
        if not parents or not isinstance(parents[0], etree._Element):
            raise XmlInvalid(f"no element at {signature_parent}")
        signature = signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
        assert signature is not None  # signxml appends it to the root
        # The enveloped-signature transform removes the Signature wherever it stands.
        parents[0].append(signature)
    return XML_DECLARATION + etree.tostring(signed, encoding="unicode")
