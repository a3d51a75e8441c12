"""WS-Security on the sync channel's SOAP face: who must sign, how a signature is judged, and
the gateway's own signature on its answers.

A sender whose registry entry says `requireSignature` must sign the Body of every SOAP call
(`WSS_SIGNATURE_REQUIRED` otherwise); any sender's signed call is checked, so a signature that
does not hold is never let through. The check runs once the sender is authenticated and the
service routed, before fault rules and the provider: the XML-DSig (`wss`), then the certificate
at the test НУЦ (`trust`). Every refusal is a SOAP Fault with its own code; the JSON channel has
no body signature, so the requirement is the SOAP face's.

With a signing key set (`soap_signing_key`), every SOAP answer of the channel — response or
fault — carries the gateway's signature over its Body (`wss.sign`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12

from gateway.soap import wss
from gateway.soap.trust import TestNuc
from gateway.soap.xml import parse
from gateway.sync_channel import Call, SyncChannel, gateway_fault
from servicekit.errors import Problem
from servicekit.messages import Texts, register

register(
    {
        "WSS_SIGNATURE_REQUIRED": Texts(
            "Отправитель «{sender_id}» обязан подписывать тело SOAP-запроса (WS-Security, "
            "ЭЦП НУЦ РК)",
            "«{sender_id}» жіберушісі SOAP сұрауының денесіне қол қоюы тиіс (WS-Security, ҰКО ЭЦҚ)",
            "The sender '{sender_id}' must sign the SOAP Body (WS-Security, a НУЦ РК key)",
        ),
        "WSS_SIGNATURE_INVALID": Texts(
            "Подпись WS-Security не сходится: сообщение изменено после подписания или "
            "подпись повреждена",
            "WS-Security қолтаңбасы сәйкес емес: хабарлама қол қойылғаннан кейін өзгертілген "
            "немесе қолтаңба бүлінген",
            "The WS-Security signature does not hold: the message was changed after it was "
            "signed, or the signature is damaged",
        ),
        "WSS_BODY_NOT_SIGNED": Texts(
            "Подпись WS-Security не охватывает soap:Body (ссылка на его wsu:Id)",
            "WS-Security қолтаңбасы soap:Body бөлігін қамтымайды (оның wsu:Id сілтемесі)",
            "The WS-Security signature does not cover the soap:Body (a reference to its wsu:Id)",
        ),
        "WSS_ALGORITHM_UNSUPPORTED": Texts(
            "Алгоритм подписи не поддерживается: нужен RSA с SHA-256/384/512 и exc-c14n "
            "(ГОСТ и SHA-1 шлюз не проверяет)",
            "Қолтаңба алгоритміне қолдау жоқ: SHA-256/384/512 бар RSA және exc-c14n қажет "
            "(шлюз ГОСТ пен SHA-1 тексермейді)",
            "The signature algorithm is not supported: RSA with SHA-256/384/512 and exc-c14n "
            "are (this gateway checks neither GOST nor SHA-1)",
        ),
        "WSS_KEY_UNKNOWN": Texts(
            "Не найден сертификат подписи: KeyInfo должен содержать BinarySecurityToken, "
            "X509Certificate, X509IssuerSerial или SKI сертификата НУЦ",
            "Қолтаңба сертификаты табылмады: KeyInfo ішінде ҰКО сертификатының "
            "BinarySecurityToken, X509Certificate, X509IssuerSerial немесе SKI болуы керек",
            "The signing certificate was not found: KeyInfo must carry a BinarySecurityToken, "
            "an X509Certificate, an X509IssuerSerial or the SKI of a НУЦ certificate",
        ),
        "WSS_CERT_UNTRUSTED": Texts(
            "Сертификат подписи выдан не тестовым НУЦ (цепочка не доходит до его корня)",
            "Қолтаңба сертификатын сынақ ҰКО бермеген (тізбек оның түбіріне жетпейді)",
            "The signing certificate was not issued by the test НУЦ (no chain to its root)",
        ),
        "WSS_CERT_EXPIRED": Texts(
            "Срок действия сертификата подписи истёк",
            "Қолтаңба сертификатының мерзімі өтті",
            "The signing certificate has expired",
        ),
        "WSS_CERT_NOT_YET_VALID": Texts(
            "Сертификат подписи ещё не действует",
            "Қолтаңба сертификаты әлі күшіне енбеген",
            "The signing certificate is not valid yet",
        ),
        "WSS_CERT_REVOKED": Texts(
            "Сертификат подписи отозван НУЦ",
            "Қолтаңба сертификатын ҰКО кері қайтарып алды",
            "The signing certificate has been revoked by НУЦ",
        ),
        "WSS_NUC_UNAVAILABLE": Texts(
            "НУЦ не ответил о статусе сертификата подписи: повторите запрос позже",
            "ҰКО қолтаңба сертификатының мәртебесі туралы жауап бермеді: сұрауды кейін қайталаңыз",
            "НУЦ did not say whether the signing certificate is good: try again later",
        ),
    }
)

_STATUS = {
    "WSS_ALGORITHM_UNSUPPORTED": 400,
    "WSS_BODY_NOT_SIGNED": 400,
    "WSS_KEY_UNKNOWN": 400,
    "WSS_NUC_UNAVAILABLE": 503,
}
"""HTTP status of each refusal on the JSON channel's scale; the rest are 401 (the signature
authenticates the sender, and it did not)."""

SECURITY_FIELD = "Header.Security"


class Signatures:
    """The SOAP face's check of a call's signature (an `Admitted` hook of the pipeline)."""

    def __init__(self, channel: SyncChannel) -> None:
        self.channel = channel
        self.nuc = TestNuc(channel)

    async def check(self, body: bytes, call: Call) -> None:
        """Refuse the call unless its signature holds, or it has none and need not."""
        # Unsigned calls are the usual case: no second parse unless a Security header may be
        # there (the request was read, so the body is well-formed XML).
        try:
            signed = wss.find(parse(body)) if b"Security" in body else None
            if signed is None:
                if self.channel.registry.requires_signature(call.sender_id or ""):
                    raise wss.WssRefused("WSS_SIGNATURE_REQUIRED", "")
                return
            certificate = await self.nuc.certificate(signed.key, call.run_id)
            wss.check(signed, certificate)
            await self.nuc.judge(certificate, self.channel.clock.now(), call.run_id)
        except wss.WssRefused as refused:
            raise self._refusal(call, refused.code, str(refused) or None) from None

    def _refusal(self, call: Call, code: str, reason: str | None) -> Problem:
        return gateway_fault(
            code,
            _STATUS.get(code, 401),
            now=self.channel.clock.now(),
            session_id=call.session_id,
            field=SECURITY_FIELD,
            error_data={"reason": reason} if reason else None,
            sender_id=call.sender_id,
        )


@dataclass(frozen=True)
class ResponseSigner:
    """The gateway's key and certificate for signing its SOAP answers."""

    key: RSAPrivateKey
    certificate: x509.Certificate

    @classmethod
    def load(cls, path: Path, password: str) -> ResponseSigner:
        key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), password.encode())
        if not isinstance(key, RSAPrivateKey) or certificate is None:
            raise ValueError(f"{path}: a PKCS#12 with an RSA key and its certificate is needed")
        return cls(key, certificate)

    def sign(self, envelope: bytes) -> bytes:
        return wss.sign(envelope, self.key, self.certificate)
