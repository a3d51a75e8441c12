"""All SQL of НУЦ."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from pki.issuance import Authority
from pki.models import Authority as AuthorityRow
from pki.models import IssuedCertificate, RevocationList
from servicekit.signatures import KeyUsage

_AUTHORITIES = select(AuthorityRow).where(AuthorityRow.name.in_(bindparam("names", expanding=True)))

# Prebuilt SELECTs rather than `session.get`, which builds its query on every call: each
# signature check reads a certificate and the CRL once.
_CERTIFICATE = select(IssuedCertificate).where(IssuedCertificate.serial == bindparam("serial"))
_CRL = select(RevocationList).where(RevocationList.issuer == bindparam("issuer"))


class AuthorityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, name: str) -> Authority:
        (authority,) = await self.get_all(name)
        return authority

    async def get_all(self, *names: str) -> list[Authority]:
        """The CAs named, in that order, read in one query."""
        rows = {
            row.name: row
            for row in await self.session.scalars(_AUTHORITIES, {"names": list(names)})
        }
        missing = [name for name in names if name not in rows]
        if missing:
            raise LookupError(f"the {missing[0]} CA is not seeded")
        return [Authority.from_pem(rows[n].certificate_pem, rows[n].key_pem) for n in names]

    async def put(self, name: str, certificate_pem: str, key_pem: str) -> None:
        await self.session.merge(
            AuthorityRow(name=name, certificate_pem=certificate_pem, key_pem=key_pem)
        )


class CertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, serial: str) -> IssuedCertificate | None:
        return await self.session.scalar(_CERTIFICATE, {"serial": serial})

    async def by_key_identifier(self, identifier: bytes) -> IssuedCertificate | None:
        """The certificate whose subjectKeyIdentifier is `identifier`. A scan: the test НУЦ
        holds tens of certificates, and the gateway keeps what it resolved."""
        for row in await self.find():
            try:
                extension = x509.load_der_x509_certificate(row.der).extensions
                found = extension.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except (ValueError, x509.ExtensionNotFound):
                continue
            if found == identifier:
                return row
        return None

    async def put(self, certificate: IssuedCertificate) -> None:
        await self.session.merge(certificate)
        await self.session.flush()

    async def find(
        self,
        *,
        iin: str | None = None,
        bin: str | None = None,
        persona: str | None = None,
        key_usage: KeyUsage | None = None,
        revoked: bool | None = None,
    ) -> Sequence[IssuedCertificate]:
        query = select(IssuedCertificate).order_by(
            IssuedCertificate.persona, IssuedCertificate.issued_at, IssuedCertificate.serial
        )
        if iin is not None:
            query = query.where(IssuedCertificate.iin == iin)
        if bin is not None:
            query = query.where(IssuedCertificate.bin == bin)
        if persona is not None:
            query = query.where(IssuedCertificate.persona == persona)
        if key_usage is not None:
            query = query.where(IssuedCertificate.key_usage == key_usage)
        if revoked is not None:
            column = IssuedCertificate.revoked_at
            query = query.where(column.is_not(None) if revoked else column.is_(None))
        return (await self.session.scalars(query)).all()

    async def revoke(self, certificate: IssuedCertificate, at: datetime, reason: str) -> None:
        certificate.revoked_at = at
        certificate.revocation_reason = reason
        await self.session.flush()


class CrlRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current(self, issuer: str) -> RevocationList | None:
        return await self.session.scalar(_CRL, {"issuer": issuer})

    async def replace(self, crl: RevocationList) -> None:
        await self.session.merge(crl)
        await self.session.flush()
