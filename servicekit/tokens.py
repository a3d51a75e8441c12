"""Login tokens: what a person gets after signing in with ЭЦП, and what the state services
accept (RS256 JWTs).

НУЦ (the pki service) issues them after checking a signed challenge; the state services
verify them with НУЦ's public keys (a JWKS document) and never see a password. Expiry is
judged by the bus clock, not the system's, so tests and testers can move time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from fastapi import Depends, FastAPI, Request
from jwt.algorithms import RSAAlgorithm

from servicekit.clock import Clock
from servicekit.errors import Problem, ServiceUnavailable
from servicekit.messages import Texts, register

ISSUER = "egov-pki"
ALGORITHM = "RS256"
_READ_TOKENS = 4096
"""How many checked tokens a verifier remembers (the live sessions of a busy service)."""

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
                options={"verify_exp": False, "verify_iat": False, "require": ["exp", "iin"]},
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
        )
        return principal, expires


def bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem("TOKEN_REQUIRED", status=401, field="Authorization")
    return token


async def _principal(request: Request) -> Principal:
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        # Fetched on first use, not at start-up: a state service is ready without НУЦ.
        try:
            await fetch_token_keys(request.app)
        except Exception as exc:
            raise ServiceUnavailable(field="Authorization") from exc
        verifier = request.app.state.token_verifier
    principal: Principal = verifier.verify(bearer(request), request.app.state.settings.service_name)
    return principal


SignedIn = Annotated[Principal, Depends(_principal)]
"""Declare on an endpoint of a state service: the caller signed in with ЭЦП (`app.state.
token_verifier` holds НУЦ's keys; the audience is the service's name)."""


async def fetch_token_keys(app: FastAPI) -> None:
    """A start hook of a state service: НУЦ's token keys (`PKI_TokenKeys`, through the gateway)
    become `app.state.token_verifier`, which `SignedIn` uses."""
    response = await app.state.gateway.call("PKI_TokenKeys", {})
    app.state.token_verifier = TokenVerifier(response.response_data.data, app.state.clock)
