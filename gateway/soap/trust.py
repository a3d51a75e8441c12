"""The test НУЦ as the gateway relies on it to judge a WS-Security signer's certificate.

A certificate is good when it is issued by the test НУЦ's issuing CA under its root (both
fetched once from НУЦ's public `/ca/root.cer` and `/ca/issuing.cer`, the way a relying party
installs a CA's certificates), is valid now by the bus clock, and НУЦ says it is not revoked —
asked through the bus like every other certificate check of the project (`PKI_CertificateStatus`,
as the state services do for login tokens), so a tester's fault rule on that service makes НУЦ
slow or absent for the gateway too, and the call is in the journal.

Only НУЦ's answer refuses. A НУЦ that cannot be reached, times out or fails is
`WSS_NUC_UNAVAILABLE` — "try again" — never a verdict on the signature. A certificate named
only by issuer+serial or by its subject key identifier is looked up at НУЦ the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import structlog
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from gateway.soap.wss import KeyName, WssRefused
from gateway.sync_channel import SyncChannel
from servicekit.errors import Problem

log = structlog.get_logger(__name__)

STATUS_SERVICE = "PKI_CertificateStatus"
NUC_PROVIDER = "pki"
_CA_TIMEOUT = aiohttp.ClientTimeout(total=5)


class TestNuc:
    """НУЦ's CA certificates (kept once fetched) and its word on each signer's certificate."""

    __test__ = False  # not a pytest class, whatever its name

    def __init__(self, channel: SyncChannel) -> None:
        self.channel = channel
        self._anchors: tuple[x509.Certificate, x509.Certificate] | None = None
        self._resolved: dict[tuple[int | None, bytes | None], x509.Certificate] = {}
        """Certificates found by serial or key identifier: the binding never changes."""

    async def certificate(self, key: KeyName, run_id: str | None) -> x509.Certificate:
        """The signer's certificate: carried in the message, or looked up at НУЦ."""
        if key.certificate is not None:
            return key.certificate
        known = self._resolved.get((key.serial, key.ski))
        if known is not None:
            return known
        if key.serial is not None:
            answer = await self._status({"serialNumber": format(key.serial, "x")}, run_id)
        else:
            answer = await self._status({"subjectKeyIdentifier": (key.ski or b"").hex()}, run_id)
        pem = answer.get("certificate")
        if not answer.get("found") or not isinstance(pem, str):
            raise WssRefused("WSS_KEY_UNKNOWN", f"НУЦ knows no certificate by {key.describe()}")
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            raise _unavailable("НУЦ answered a certificate that does not parse") from None
        self._resolved[(key.serial, key.ski)] = certificate
        return certificate

    async def judge(self, certificate: x509.Certificate, now: datetime, run_id: str | None) -> None:
        """`WssRefused` unless `certificate` is good now; `Problem` when НУЦ cannot say."""
        root, issuing = await self._trust()
        if not (_issued_by(certificate, issuing) and _issued_by(issuing, root)):
            raise WssRefused(
                "WSS_CERT_UNTRUSTED", f"issued by {certificate.issuer.rfc4514_string()}"
            )
        if now < certificate.not_valid_before_utc:
            raise WssRefused(
                "WSS_CERT_NOT_YET_VALID", f"valid from {certificate.not_valid_before_utc}"
            )
        if now > certificate.not_valid_after_utc:
            raise WssRefused("WSS_CERT_EXPIRED", f"expired {certificate.not_valid_after_utc}")
        answer = await self._status(
            {"serialNumber": format(certificate.serial_number, "x")}, run_id
        )
        if not answer.get("found"):
            raise WssRefused("WSS_CERT_UNTRUSTED", "НУЦ never issued this certificate")
        if answer.get("status") == "REVOKED":
            raise WssRefused("WSS_CERT_REVOKED", f"revoked {answer.get('revokedAt')}")

    async def _status(self, data: dict[str, str], run_id: str | None) -> dict[str, Any]:
        try:
            answer = await self.channel.consult(STATUS_SERVICE, data, run_id=run_id)
        except Problem as problem:
            raise _unavailable(f"{STATUS_SERVICE}: {problem.code}") from None
        if not isinstance(answer, dict):
            raise _unavailable(f"{STATUS_SERVICE} answered no data")
        return answer

    async def _trust(self) -> tuple[x509.Certificate, x509.Certificate]:
        if self._anchors is None:
            base = self.channel.registry.provider_urls.get(NUC_PROVIDER, "").rstrip("/")
            try:
                root, issuing = [
                    await self._fetch(f"{base}/ca/{n}.cer") for n in ("root", "issuing")
                ]
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
                log.warning("НУЦ's CA certificates could not be fetched", error=repr(exc))
                raise _unavailable("НУЦ's CA certificates could not be fetched") from None
            if not (_issued_by(root, root) and _issued_by(issuing, root)):
                raise _unavailable("НУЦ's CA certificates do not chain")
            self._anchors = (root, issuing)
        return self._anchors

    async def _fetch(self, url: str) -> x509.Certificate:
        async with self.channel.http.get(url, timeout=_CA_TIMEOUT) as reply:
            reply.raise_for_status()
            return x509.load_der_x509_certificate(await reply.read())


def _unavailable(reason: str) -> WssRefused:
    return WssRefused("WSS_NUC_UNAVAILABLE", reason)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
