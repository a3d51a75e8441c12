"""The wss listener's certificate: for 127.0.0.1 and localhost, issued by the test НУЦ's
issuing CA (its key is in the open, in the committed seed), so that a browser that trusts the
test root («НУЦ РК Test Root (emulator)») trusts the emulator as a real NCALayer's users trust
theirs. The key lives only in memory and in a file that is gone once loaded.

Issued once per process, at the first start: making its RSA key takes a tenth of a second of
CPU, which would hold up every other service of an embedded bus (one event loop) at each start
of the emulator (the tests start many buses in one process)."""

from __future__ import annotations

import functools
import ipaddress
import ssl
import tempfile
from pathlib import Path

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@functools.cache
def issue(ca_file: Path) -> tuple[bytes, bytes]:
    """(certificate chain PEM: the server's, then the issuing CA's; key PEM)."""
    seed = orjson.loads(ca_file.read_bytes())
    issuing = seed["authorities"]["issuing"]
    ca_certificate = x509.load_pem_x509_certificate(issuing["certificate"].encode())
    ca_key = serialization.load_pem_private_key(issuing["key"].encode(), password=None)
    if not isinstance(ca_key, rsa.RSAPrivateKey):
        raise ValueError("the test НУЦ's issuing CA has no RSA key")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # The CA's own validity, not the bus clock's: testers move that clock, a browser
        # judges the certificate by the real one.
        .not_valid_before(ca_certificate.not_valid_before_utc)
        .not_valid_after(ca_certificate.not_valid_after_utc)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    chain = certificate.public_bytes(serialization.Encoding.PEM) + ca_certificate.public_bytes(
        serialization.Encoding.PEM
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return chain, key_pem


def server_context(chain: bytes, key: bytes) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # The ssl module loads a chain from files only.
    with tempfile.TemporaryDirectory() as folder:
        certificate_file, key_file = Path(folder, "chain.pem"), Path(folder, "key.pem")
        certificate_file.write_bytes(chain)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key)
        context.load_cert_chain(certificate_file, key_file)
    return context
