"""Login tokens: what a person gets after signing in with ЭЦП, and what the state services
accept (RS256 JWTs).

НУЦ (the pki service) issues them after checking a signed challenge; the state services
verify them with НУЦ's public keys (a JWKS document) and never see a password. Expiry is
judged by the bus clock, not the system's, so tests and testers can move time.

A token names the AUTH certificate its holder signed in with (claim `cert`, the serial). Before
a state-changing request (anything but GET/HEAD/OPTIONS) the service asks НУЦ whether that
certificate is still good (`PKI_CertificateStatus`, through the gateway) and remembers the
answer for `token_status_ttl_seconds` (60 s by default): a revoked key ends its sessions within
that time. Only НУЦ's answer refuses (401 TOKEN_CERT_REVOKED); a НУЦ that cannot answer is 503
TOKEN_STATUS_UNAVAILABLE, "try again", never a revocation.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
import structlog
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt.algorithms import RSAAlgorithm

from servicekit.clock import Clock
from servicekit.errors import Problem, ServiceUnavailable
from servicekit.messages import Texts, register
from servicekit.registries import RegistryFailure
from servicekit.registries.pki import (
    CERTIFICATE_STATUS,
    TOKEN_KEYS,
    CertificateStatusRequest,
    TokenKeysRequest,
)

log = structlog.get_logger(__name__)

ISSUER = "egov-pki"
ALGORITHM = "RS256"
_READ_TOKENS = 4096
"""How many checked tokens a verifier remembers (the live sessions of a busy service)."""
_READS = frozenset({"GET", "HEAD", "OPTIONS"})

register(
    {
        "TOKEN_REQUIRED": Texts(
            "Нужен вход по ЭЦП: заголовок Authorization: Bearer <токен>",
            "ЭЦҚ арқылы кіру қажет: Authorization: Bearer <токен> тақырыбы",
            "Sign in with ЭЦП first: Authorization: Bearer <token>",
        ),
        "TOKEN_INVALID": Texts(
            "Токен входа недействителен (подпись или формат)",
            "Кіру токені жарамсыз (қолтаңба немесе пішім)",
            "The login token is not valid (signature or format)",
        ),
        "TOKEN_EXPIRED": Texts(
            "Срок действия токена входа истёк: войдите по ЭЦП снова",
            "Кіру токенінің мерзімі өтті: ЭЦҚ арқылы қайта кіріңіз",
            "The login token has expired: sign in with ЭЦП again",
        ),
        "TOKEN_WRONG_AUDIENCE": Texts(
            "Токен входа выдан для другого сервиса",
            "Кіру токені басқа сервис үшін берілген",
            "The login token was issued for another service",
        ),
        "TOKEN_CERT_REVOKED": Texts(
            "Сертификат ЭЦП, с которым выполнен вход, отозван: войдите снова действующим ключом",
            "Кіру орындалған ЭЦҚ сертификаты кері қайтарылған: жарамды кілтпен қайта кіріңіз",
            "The ЭЦП certificate you signed in with has been revoked: sign in again with a "
            "valid key",
        ),
        "TOKEN_STATUS_UNAVAILABLE": Texts(
            "НУЦ не ответил, действует ли сертификат входа: повторите запрос немного позже",
            "ҰКО кіру сертификатының жарамдылығы туралы жауап бермеді: сұрауды сәл кейін "
            "қайталаңыз",
            "НУЦ did not say whether your sign-in certificate is still valid: try again shortly",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a person (ИИН), maybe as an employee of a legal entity (БИН)."""

    iin: str
    bin: str | None
    roles: tuple[str, ...]
    attributes: dict[str, str]
    """Where the roles apply: `region` of a police officer or akimat officer, `office` of a
    front-office worker."""
    token_id: str
    certificate_serial: str
    """The AUTH certificate signed in with (hex serial), asked about before every change."""

    def has(self, role: str) -> bool:
        return role in self.roles


class TokenIssuer:
    def __init__(self, key: RSAPrivateKey, key_id: str, clock: Clock) -> None:
        self.key = key
        self.key_id = key_id
        self.clock = clock

    def issue(
        self,
        *,
        iin: str,
        bin: str | None,
        roles: list[str],
        audience: str,
        certificate_serial: str,
        attributes: dict[str, str] | None = None,
        lifetime: timedelta = timedelta(minutes=30),
    ) -> str:
        now = self.clock.now()
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": iin,
            "aud": audience,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "jti": str(uuid.uuid4()),
            "iin": iin,
            "bin": bin,
            "roles": roles,
            "attributes": attributes or {},
            "cert": certificate_serial,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"kid": self.key_id})

    def jwks(self) -> dict[str, Any]:
        return jwks_of({self.key_id: self.key.public_key()})


def jwks_of(keys: dict[str, RSAPublicKey]) -> dict[str, Any]:
    documents = []
    for key_id, key in keys.items():
        document = RSAAlgorithm.to_jwk(key, as_dict=True)
        documents.append({**document, "kid": key_id, "use": "sig", "alg": ALGORITHM})
    return {"keys": documents}


class TokenVerifier:
    def __init__(
        self, jwks: dict[str, Any], clock: Clock, *, leeway: timedelta = timedelta(seconds=30)
    ) -> None:
        self.keys: dict[str, Any] = {
            k["kid"]: RSAAlgorithm.from_jwk(k) for k in jwks.get("keys", []) if "kid" in k
        }
        self.clock = clock
        self.leeway = leeway
        # A signed-in caller sends the same token with every request, and checking its RS256
        # signature and claims is most of what a token costs: each token is read once.
        self._read: dict[tuple[str, str], tuple[Principal, datetime]] = {}

    def verify(self, token: str, audience: str) -> Principal:
        read = self._read.get((token, audience))
        if read is None:
            read = self._read_token(token, audience)
            if len(self._read) >= _READ_TOKENS:
                del self._read[next(iter(self._read))]  # the oldest one
            self._read[token, audience] = read
        principal, expires = read
        # The bus clock moves (testers set it): expiry is judged on every request.
        if expires + self.leeway < self.clock.now():
            raise Problem("TOKEN_EXPIRED", status=401, field="Authorization")
        return principal

    def _read_token(self, token: str, audience: str) -> tuple[Principal, datetime]:
        """The caller and the token's expiry, once its signature and claims are checked."""
        try:
            key_id = str(jwt.get_unverified_header(token).get("kid", ""))
            key = self.keys.get(key_id)
            if key is None:
                raise Problem("TOKEN_INVALID", status=401, field="Authorization")
            # Expiry is checked below against the bus clock, which PyJWT cannot read.
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "require": ["exp", "iin", "cert"],
                },
            )
        except jwt.InvalidAudienceError:
            raise Problem("TOKEN_WRONG_AUDIENCE", status=401, field="Authorization") from None
        except jwt.PyJWTError:
            raise Problem("TOKEN_INVALID", status=401, field="Authorization") from None
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        principal = Principal(
            iin=str(claims["iin"]),
            bin=claims.get("bin"),
            roles=tuple(claims.get("roles", [])),
            attributes=dict(claims.get("attributes", {})),
            token_id=str(claims.get("jti", "")),
            certificate_serial=str(claims["cert"]),
        )
        return principal, expires


# Declared as a dependency so that the OpenAPI document names the scheme on every operation
# that needs a login; the refusals are ours (problems), not FastAPI's.
_LOGIN_TOKEN = HTTPBearer(
    scheme_name="loginToken",
    bearerFormat="JWT",
    description="A login token from НУЦ's login by ЭЦП (pki: `POST /auth/challenge`, sign it "
    "with the AUTH key, `POST /auth/token`), issued for this service (its name is the audience).",
    auto_error=False,
)


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_LOGIN_TOKEN)],
) -> Principal:
    if credentials is None:
        raise Problem("TOKEN_REQUIRED", status=401, field="Authorization")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        # Fetched on first use, not at start-up: a state service is ready without НУЦ.
        try:
            await fetch_token_keys(request.app)
        except Exception as exc:
            raise ServiceUnavailable(field="Authorization") from exc
        verifier = request.app.state.token_verifier
    principal: Principal = verifier.verify(
        credentials.credentials, request.app.state.settings.service_name
    )
    if request.method not in _READS:
        await _require_unrevoked(request.app, principal)
    return principal


class CertificateStatuses:
    """НУЦ's recent answers about the AUTH certificates behind tokens: good, or the code to
    refuse the token with.

    Kept by real (monotonic) time, not the bus clock: a frozen bus clock must not keep an
    answer forever, and this is a cache, not a business deadline."""

    def __init__(self, ttl: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._monotonic = monotonic
        self._answers: dict[str, tuple[str, float]] = {}

    def refusal(self, serial: str) -> str | None:
        """The kept answer for `serial`: "" when good, else a problem code; None when there is
        none, or it is too old."""
        kept = self._answers.get(serial)
        if kept is None or self._monotonic() - kept[1] >= self.ttl:
            return None
        return kept[0]

    def remember(self, serial: str, refusal: str) -> None:
        if len(self._answers) >= _READ_TOKENS:
            del self._answers[next(iter(self._answers))]  # the oldest one
        self._answers[serial] = (refusal, self._monotonic())


async def _require_unrevoked(app: FastAPI, principal: Principal) -> None:
    statuses: CertificateStatuses | None = getattr(app.state, "certificate_statuses", None)
    if statuses is None:
        statuses = CertificateStatuses(app.state.settings.token_status_ttl_seconds)
        app.state.certificate_statuses = statuses
    serial = principal.certificate_serial
    refusal = statuses.refusal(serial)
    if refusal is None:
        refusal = await _ask_refusal(app, serial)
        statuses.remember(serial, refusal)
    if refusal:
        raise Problem(refusal, status=401, field="Authorization")


async def _ask_refusal(app: FastAPI, serial: str) -> str:
    """НУЦ's word on the certificate: "" when good, else the code to refuse the token with.
    Anything that is not НУЦ's answer is 503, never a verdict."""
    request = CertificateStatusRequest(serial_number=serial)
    try:
        answer = (await CERTIFICATE_STATUS(app.state.gateway, request)).answer
    except RegistryFailure as exc:
        # НУЦ refusing to look the serial up says nothing about the certificate either.
        log.warning("НУЦ did not answer a certificate status", error=str(exc))
        raise Problem("TOKEN_STATUS_UNAVAILABLE", status=503, field="Authorization") from None
    if not answer.found:
        # НУЦ never issued it (its records were reset): nothing stands behind the session.
        return "TOKEN_INVALID"
    return "TOKEN_CERT_REVOKED" if answer.status == "REVOKED" else ""


SignedIn = Annotated[Principal, Depends(_principal)]
"""Declare on an endpoint of a state service: the caller signed in with ЭЦП (`app.state.
token_verifier` holds НУЦ's keys; the audience is the service's name). A state-changing request
also has the AUTH certificate behind the token checked with НУЦ (`_require_unrevoked`)."""


async def fetch_token_keys(app: FastAPI) -> None:
    """A start hook of a state service: НУЦ's token keys (`PKI_TokenKeys`, through the gateway)
    become `app.state.token_verifier`, which `SignedIn` uses."""
    keys = (await TOKEN_KEYS(app.state.gateway, TokenKeysRequest())).answer
    app.state.token_verifier = TokenVerifier(keys.model_dump(), app.state.clock)
