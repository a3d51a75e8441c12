"""Login by ЭЦП: sign a challenge with the AUTH key, get a short-lived token.

1. `POST /auth/challenge` gives a challenge: a random nonce and its expiry, MAC'd by НУЦ so
   no challenge is stored and none can be forged.
2. The client signs the challenge's text with its AUTHENTICATION key (NCALayer's
   `createCAdESFromBase64(..., 'AUTHENTICATION', detached)`), and posts it with the audience
   — the state service it wants to use — to `POST /auth/token`.
3. НУЦ checks the signature like any other (chain, validity, revocation) but requires an AUTH
   certificate, spends the challenge (one login per challenge), and signs a token carrying the
   ИИН and БИН from the certificate and the roles granted to that person for that БИН, with the
   grants' region and ЦОН office as attributes.

The state services verify tokens with НУЦ's public keys, which they fetch through the gateway
(`PKI_TokenKeys`), as every service-to-service call goes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pki.issuance import own_private_key
from pki.models import RoleGrant, TokenKey
from pki.routes import provider
from pki.schemas import CmsBase64, VerifyRequest
from pki.verification import verify
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.clock import Clock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Bin, Iin
from servicekit.messages import Texts, register
from servicekit.provider import SyncCall
from servicekit.service_centres import service_centre
from servicekit.signatures import KeyUsage
from servicekit.tokens import TokenIssuer, jwks_of

TOKEN_KEYS = "PKI_TokenKeys"
CHALLENGE_LIFETIME = timedelta(minutes=5)
TOKEN_LIFETIME = timedelta(minutes=30)

register(
    {
        "CHALLENGE_INVALID": Texts(
            "Вызов для входа не выдан этим УЦ или повреждён: запросите новый",
            "Кіруге арналған сұрау бұл КО-да берілмеген немесе бүлінген: жаңасын сұраңыз",
            "The login challenge was not issued here or is damaged: ask for a new one",
        ),
        "CHALLENGE_EXPIRED": Texts(
            "Срок вызова для входа истёк: запросите новый",
            "Кіруге арналған сұраудың мерзімі өтті: жаңасын сұраңыз",
            "The login challenge has expired: ask for a new one",
        ),
        "CHALLENGE_USED": Texts(
            "Этот вызов уже использован для входа: запросите новый",
            "Бұл сұрау кіру үшін бұрын пайдаланылған: жаңасын сұраңыз",
            "This challenge was already used to sign in: ask for a new one",
        ),
        "LOGIN_SIGNATURE_REFUSED": Texts(
            "Вход не выполнен: подпись не прошла проверку ({reasons})",
            "Кіру орындалмады: қолтаңба тексеруден өтпеді ({reasons})",
            "Sign-in refused: the signature did not pass the check ({reasons})",
        ),
        "GRANT_OFFICE_UNKNOWN": Texts(
            "Нет ЦОН с идентификатором {office}: укажите известный ЦОН (например, ALM-ALMALY)",
            "{office} сәйкестендіргіші бар ХҚКО жоқ: белгілісін көрсетіңіз (мысалы, ALM-ALMALY)",
            "There is no ЦОН office with id {office}: give a known one (ALM-ALMALY, for example)",
        ),
    }
)


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Challenge(Model):
    challenge: str = Field(description="sign these characters (UTF-8) with the AUTH key")
    expires_at: AwareDatetime


class TokenRequest(Model):
    challenge: str = Field(min_length=1, max_length=500)
    cms: CmsBase64 = Field(description="detached CMS over the challenge, base64 of its DER")
    audience: Literal["registration_service", "frontoffice_service"]


class TokenAnswer(Model):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: AwareDatetime
    iin: str
    bin: str | None
    roles: list[str]


def _known_office(value: str) -> str:
    if service_centre(value) is None:
        raise PydanticCustomError("GRANT_OFFICE_UNKNOWN", "GRANT_OFFICE_UNKNOWN", {"office": value})
    return value


class Grant(Model):
    iin: Iin
    bin: Bin | None = None
    role: str = Field(min_length=1, max_length=40, pattern="^[a-z_]+$")
    region: str | None = Field(default=None, pattern="^[0-9]{2}$")
    office: Annotated[str, AfterValidator(_known_office)] | None = Field(
        default=None, description="the ЦОН office a front-office worker is bound to (ALM-ALMALY…)"
    )


class Keys:
    """The token key, the challenge MAC key derived from it, and the spent challenges."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self.issuer = issuer
        der = issuer.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self._mac_key = hashlib.sha256(b"egov-pki challenge\0" + der).digest()
        self._spent: dict[str, datetime] = {}

    def challenge(self, now: datetime) -> Challenge:
        expires = now + CHALLENGE_LIFETIME
        body = {"nonce": secrets.token_urlsafe(24), "exp": int(expires.timestamp())}
        text = _b64(orjson.dumps(body))
        return Challenge(challenge=f"{text}.{self._mac(text)}", expires_at=expires)

    def spend(self, challenge: str, now: datetime) -> None:
        """Accept a challenge once: it must be ours, unexpired and not used before."""
        text, _, mac = challenge.partition(".")
        if not hmac.compare_digest(mac, self._mac(text)):
            raise Problem("CHALLENGE_INVALID", status=400, field="challenge")
        try:
            expires = int(orjson.loads(base64.urlsafe_b64decode(text + "=="))["exp"])
        except (ValueError, KeyError, TypeError, orjson.JSONDecodeError):
            raise Problem("CHALLENGE_INVALID", status=400, field="challenge") from None
        if expires < now.timestamp():
            raise Problem("CHALLENGE_EXPIRED", status=400, field="challenge")
        # Forget spent challenges that expired anyway: the set stays as small as 5 minutes.
        self._spent = {c: at for c, at in self._spent.items() if at.timestamp() >= expires - 600}
        if challenge in self._spent:
            raise Problem("CHALLENGE_USED", status=400, field="challenge")
        self._spent[challenge] = now

    def _mac(self, text: str) -> str:
        return _b64(hmac.new(self._mac_key, text.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def token_key(session: AsyncSession, clock: Clock) -> TokenKey:
    """The token key in the database, made when there is none: part of the seed (a database
    prepared ahead, as the tests' templates are, carries it), and kept by a reset."""
    stored = await session.scalar(select(TokenKey).order_by(TokenKey.created_at.desc()))
    if stored is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        stored = TokenKey(
            key_id=f"nuc-{uuid.uuid4().hex[:12]}", private_pem=pem, created_at=clock.now()
        )
        session.add(stored)
    return stored


async def load_keys(session: AsyncSession, clock: Clock) -> Keys:
    """The login keys, from the token key in the database."""
    stored = await token_key(session, clock)
    return Keys(TokenIssuer(own_private_key(stored.private_pem), stored.key_id, clock))


router = APIRouter(prefix="/auth", tags=["login by ЭЦП"])
admin = APIRouter(prefix="/admin/grants", tags=["admin: role grants"])


async def _login_keys(request: Request) -> Keys:
    keys: Keys = request.app.state.login_keys
    return keys


LoginKeys = Annotated[Keys, Depends(_login_keys)]
"""НУЦ's login keys and the challenges it handed out (loaded at start)."""


@router.post("/challenge", summary="A challenge to sign with the AUTH key")
async def challenge(clock: BusClock, keys: LoginKeys) -> Challenge:
    return keys.challenge(clock.now())


@router.post(
    "/token",
    summary="Exchange a signed challenge for a login token",
    responses={
        400: {"description": "CHALLENGE_INVALID / _EXPIRED / _USED"},
        401: {"description": "LOGIN_SIGNATURE_REFUSED: the check's problems are listed"},
    },
)
async def token(
    body: TokenRequest, clock: BusClock, keys: LoginKeys, session: DbSession
) -> TokenAnswer:
    now = clock.now()
    keys.spend(body.challenge, now)
    check = await verify(
        session,
        VerifyRequest(
            cms=body.cms,
            data=base64.b64encode(body.challenge.encode()).decode(),
            key_usage=KeyUsage.AUTH,
        ),
        now,
    )
    signer = check.signers[0] if check.signers else None
    if not check.valid or signer is None or signer.certificate.subject.iin is None:
        problems = [p.code for s in check.signers for p in s.problems] or ["CMS_MALFORMED"]
        raise Problem(
            "LOGIN_SIGNATURE_REFUSED",
            status=401,
            field="cms",
            extra={"problems": problems},
            reasons=", ".join(problems),
        )
    iin, bin_ = signer.certificate.subject.iin, signer.certificate.subject.bin
    grants = (
        await session.scalars(
            select(RoleGrant).where(RoleGrant.iin == iin, RoleGrant.bin == (bin_ or ""))
        )
    ).all()
    roles = sorted({g.role for g in grants} | ({"citizen"} if bin_ is None else set()))
    region = next((g.region for g in grants if g.region), None)
    office = next((g.office for g in grants if g.office), None)
    attributes = {name: value for name, value in (("region", region), ("office", office)) if value}
    expires = now + TOKEN_LIFETIME
    access = keys.issuer.issue(
        iin=iin,
        bin=bin_,
        roles=roles,
        audience=body.audience,
        certificate_serial=signer.certificate.serial_number,
        attributes=attributes,
        lifetime=TOKEN_LIFETIME,
    )
    return TokenAnswer(access_token=access, expires_at=expires, iin=iin, bin=bin_, roles=roles)


@router.get("/jwks", summary="НУЦ's public keys for login tokens (JWKS)")
async def jwks(keys: LoginKeys) -> dict[str, Any]:
    return keys.issuer.jwks()


class KeysRequest(Model):
    """`PKI_TokenKeys`: nothing to ask; the answer is the JWKS."""


class KeysAnswer(Model):
    keys: list[dict[str, Any]]


@provider.operation(TOKEN_KEYS, KeysRequest)
async def token_keys(_data: KeysRequest, call: SyncCall) -> KeysAnswer:
    stored = (await call.session.scalars(select(TokenKey))).all()
    public = {}
    for key in stored:
        public[key.key_id] = own_private_key(key.private_pem).public_key()
    return KeysAnswer(keys=jwks_of(public)["keys"])


@admin.get("", summary="Role grants, optionally of one person")
async def list_grants(
    _: AdminOnly, session: DbSession, iin: Annotated[Iin | None, Query()] = None
) -> list[Grant]:
    query = select(RoleGrant).order_by(RoleGrant.iin, RoleGrant.bin, RoleGrant.role)
    if iin is not None:
        query = query.where(RoleGrant.iin == iin)
    return [
        Grant(iin=g.iin, bin=g.bin or None, role=g.role, region=g.region, office=g.office)
        for g in (await session.scalars(query)).all()
    ]


@admin.put("", status_code=204, summary="Grant a role (for a БИН, in a region, at a ЦОН office)")
async def put_grant(body: Grant, _: AdminOnly, session: DbSession) -> Response:
    await session.merge(
        RoleGrant(
            iin=body.iin,
            bin=body.bin or "",
            role=body.role,
            region=body.region,
            office=body.office,
        )
    )
    return Response(status_code=204)


@admin.delete("", status_code=204, summary="Take a role back")
async def delete_grant(
    _: AdminOnly,
    session: DbSession,
    iin: Annotated[Iin, Query()],
    role: Annotated[str, Query()],
    bin: Annotated[Bin | None, Query()] = None,
) -> Response:
    result = await session.execute(
        delete(RoleGrant).where(
            RoleGrant.iin == iin, RoleGrant.bin == (bin or ""), RoleGrant.role == role
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(field="role")
    return Response(status_code=204)
