"""The wss listener's certificate (ncalayer.tls): the test НУЦ's issuing CA vouches for
127.0.0.1 and localhost, and a second start in the same process presents the same one (its
RSA key is made once)."""

from __future__ import annotations

import ipaddress

from cryptography import x509

from ncalayer import tls
from ncalayer.settings import Settings
from tests.ncalayer.conftest import SEED


def test_the_certificate_is_the_issuing_cas_for_this_machine_and_made_once() -> None:
    ca_file = Settings().ca_file
    chain, key = tls.issue(ca_file)
    assert tls.issue(ca_file) == (chain, key)
    server, issuer = x509.load_pem_x509_certificates(chain)
    issuing = x509.load_pem_x509_certificate(SEED["authorities"]["issuing"]["certificate"].encode())
    assert issuer == issuing
    server.verify_directly_issued_by(issuing)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert key.startswith(b"-----BEGIN PRIVATE KEY-----")
