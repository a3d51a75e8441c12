"""НУЦ's seed: the committed CA keys and persona certificates (pki/seed_data.json), and the
key that signs login tokens (made here, once: `pki.login.token_key`).

The file is made once by `python -m pki.generate` together with personas/keys/*.p12, so what
the service knows and what testers sign with agree; it is applied once per version of the file.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession

from pki.ca import ISSUING, ROOT, TSA, publish_crl, record_of
from pki.login import token_key
from pki.models import RoleGrant, seed_versions
from pki.repository import AuthorityRepository, CertificateRepository
from servicekit import yaml_files
from servicekit.clock import Clock
from servicekit.seeding import apply_seed, digest_of

SEED_FILE = Path(__file__).with_name("seed_data.json")


def load_seed() -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(SEED_FILE.read_bytes())
    return data


def seeded_certificates() -> list[tuple[dict[str, Any], x509.Certificate]]:
    """Every certificate of the seed with its record (persona, file, keyUsage, revoked)."""
    return [
        (item, x509.load_der_x509_certificate(base64.b64decode(item["certificate"])))
        for item in load_seed()["certificates"]
    ]


async def seed(session: AsyncSession, clock: Clock) -> None:
    async def load(session: AsyncSession) -> None:
        data = load_seed()
        authorities = AuthorityRepository(session)
        for name in (ROOT, ISSUING, TSA):
            entry = data["authorities"][name]
            await authorities.put(name, entry["certificate"], entry["key"])
        certificates = CertificateRepository(session)
        for item, certificate in seeded_certificates():
            record = record_of(
                certificate, persona=item["persona"], issued_at=certificate.not_valid_before_utc
            )
            revoked = item["revoked"]
            if revoked:
                record.revoked_at = datetime.fromisoformat(revoked["at"])
                record.revocation_reason = revoked["reason"]
            await certificates.put(record)
        await publish_crl(session, clock.now())

    await apply_seed(
        session,
        seed_versions,
        name="grants",
        digest=digest_of(CATALOGUE.read_bytes()),
        clock=clock,
        load=load_grants,
    )
    await apply_seed(
        session,
        seed_versions,
        name="ca",
        digest=digest_of(SEED_FILE.read_bytes()),
        clock=clock,
        load=load,
    )
    await token_key(session, clock)


CATALOGUE = Path(__file__).resolve().parents[1] / "personas" / "catalogue.yaml"


async def load_grants(session: AsyncSession) -> None:
    """Roles of the personas (personas/catalogue.yaml): for their employer's БИН, in a region,
    at a ЦОН office."""
    catalogue = yaml_files.load(CATALOGUE.read_text(encoding="utf-8"))
    bins = {entity["key"]: entity["bin"] for entity in catalogue["legal_entities"]}
    for person in catalogue["persons"]:
        for role in person.get("roles", []):
            await session.merge(
                RoleGrant(
                    iin=person["iin"],
                    bin=bins[person["employer"]] if "employer" in person else "",
                    role=role,
                    region=person.get("region"),
                    office=person.get("office"),
                )
            )
