"""Tables of НУЦ: its CA keys, the certificates it issued, its current CRL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table
from servicekit.signatures import KeyUsage


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class Authority(Base):
    """A CA of the test hierarchy: `root` and `issuing`.

    The key is stored as unencrypted PKCS#8 PEM on purpose: a test CA whose keys are public
    anyway (pki/seed_data.json is committed), so encrypting them here would protect nothing.
    """

    __tablename__ = "authorities"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    certificate_pem: Mapped[str] = mapped_column(Text)
    key_pem: Mapped[str] = mapped_column(Text)


class IssuedCertificate(Base):
    __tablename__ = "certificates"

    serial: Mapped[str] = mapped_column(String(40), primary_key=True)
    """Lower-case hex, as NCANode prints serial numbers."""
    persona: Mapped[str | None] = mapped_column(String(64), index=True)
    iin: Mapped[str | None] = mapped_column(String(12), index=True)
    bin: Mapped[str | None] = mapped_column(String(12), index=True)
    common_name: Mapped[str] = mapped_column(String(200))
    key_usage: Mapped[KeyUsage] = mapped_column(
        Enum(KeyUsage, native_enum=False, length=4, validate_strings=True)
    )
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(30))
    """An RFC 5280 reason as cryptography's ReasonFlags value (keyCompromise…)."""


class RevocationList(Base):
    """The issuing CA's current CRL: one row, replaced on every revocation or when stale."""

    __tablename__ = "crl"

    issuer: Mapped[str] = mapped_column(String(20), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    this_update: Mapped[datetime] = mapped_column(UtcDateTime)
    next_update: Mapped[datetime] = mapped_column(UtcDateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)


class TokenKey(Base):
    """The key НУЦ signs login tokens with; made at first start, published as JWKS."""

    __tablename__ = "token_keys"

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoleGrant(Base):
    """What a person may do in the state services, as whom (БИН "" for themselves), where: a
    region, and for a ЦОН worker the one office (servicekit.service_centres) they work in."""

    __tablename__ = "role_grants"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    bin: Mapped[str] = mapped_column(String(12), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(2))
    office: Mapped[str | None] = mapped_column(String(20))
