"""Make the test НУЦ's keys once: `python -m pki.generate`.

RSA key generation cannot be made reproducible with `cryptography`, so the material is made
once and committed: the CA keys and every issued certificate go into `pki/seed_data.json`
(which the service seeds its database from), and each persona's key with its certificate and
chain into `personas/keys/<persona>.p12` (SIGN) and `<persona>.auth.p12` (AUTH), password
`Qwerty12`. Running this again replaces all of it with new keys: the files and the seed always
come from one run, so they agree. `python -m pki.generate --tsa` makes only a new key and
certificate of the time-stamping authority (issued by the committed issuing CA) and puts them
into the seed, leaving every other key as it is; `python -m pki.generate --gateway` likewise
makes only the ШЭП gateway's own SIGN key (`personas/keys/shep_gateway.p12`), which it signs
its SOAP answers with (`GATEWAY_SOAP_SIGNING_KEY`).

Who is whose employee is not in personas/catalogue.yaml; `EMPLOYMENT` below says it, from the
branches the catalogue describes. Three extra personas exist only here, for the refusal
branches of a signature check: `signer_expired`, `signer_revoked` (both under existing ИИН) and
`signer_unknown_ca` (issued by a rogue root nobody trusts).
"""

from __future__ import annotations

import base64
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.issuance import (
    ISSUING_NAME,
    P12_PASSWORD,
    ROOT_NAME,
    TSA_NAME,
    Authority,
    Holder,
    issue,
    make_issuing,
    make_root,
    make_tsa,
    pkcs12_of,
)
from pki.settings import DEFAULT_PUBLIC_URL
from servicekit import yaml_files
from servicekit.signatures import ROLE_CEO, ROLE_EMPLOYEE, ROLE_MAY_SIGN, KeyUsage

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "personas" / "catalogue.yaml"
KEYS_DIR = ROOT / "personas" / "keys"
SEED_FILE = Path(__file__).with_name("seed_data.json")

CA_FROM = datetime(2020, 1, 1, tzinfo=UTC)
ROOT_UNTIL = datetime(2045, 12, 31, 23, 59, 59, tzinfo=UTC)
ISSUING_UNTIL = datetime(2040, 12, 31, 23, 59, 59, tzinfo=UTC)
# Real НУЦ РК certificates live one year; these live ten so the committed files stay usable.
PERSONAL_FROM = datetime(2025, 1, 1, tzinfo=UTC)
PERSONAL_UNTIL = datetime(2035, 12, 31, 23, 59, 59, tzinfo=UTC)
EXPIRED_FROM = datetime(2023, 1, 1, tzinfo=UTC)
EXPIRED_UNTIL = datetime(2024, 1, 1, tzinfo=UTC)
REVOKED_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)

EMPLOYMENT: dict[str, tuple[str, tuple[str, ...]]] = {
    "dealer_manager": ("dealer_astana_motors", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "dealer_director": ("dealer_astana_motors", (ROLE_CEO,)),
    "dealer_kokshe_manager": ("dealer_kokshe_auto", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "police_officer_almaty": ("police_almaty", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "police_officer_kostanay": ("police_kostanay", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "frontoffice_worker_almaty": ("state_corporation", (ROLE_EMPLOYEE,)),
    "frontoffice_worker_kostanay": ("state_corporation", (ROLE_EMPLOYEE,)),
    "frontoffice_head": ("state_corporation", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "akimat_officer_kostanay": ("akimat_kostanay_agri", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
    "akimat_officer_almaty": ("akimat_almaty_agri", (ROLE_MAY_SIGN, ROLE_EMPLOYEE)),
}
"""Persona → (legal entity, sub-roles): their keys are the organisation's, with OU=BIN…."""

FAILURE_PERSONAS: dict[str, tuple[str, str]] = {
    "signer_expired": ("buyer", "a SIGN certificate that expired on 2024-01-01"),
    "signer_revoked": ("buyer_2", "a SIGN certificate revoked on 2025-06-01 (keyCompromise)"),
    "signer_unknown_ca": ("buyer", "a SIGN certificate issued by a rogue root, not trusted"),
}
"""Extra persona → (the persona whose ИИН and name it carries, what is wrong with it)."""


GATEWAY_PERSONA = "shep_gateway"
GATEWAY_HOLDER = Holder(
    surname="ШЭП",
    name="Шлюз",
    patronymic=None,
    iin="850315370021",
    bin="050740001001",
    organization="ШЭП — шлюз электронного правительства (эмулятор)",
)
"""The gateway as a system of its operator: an organisation's key, made-up but valid ИИН/БИН."""


@dataclass(frozen=True, slots=True)
class Issued:
    persona: str
    file: str
    usage: KeyUsage
    certificate: x509.Certificate
    revoked: bool = False


def holders() -> dict[str, tuple[Holder, tuple[str, ...]]]:
    """Every person of the catalogue as a holder, employees with their organisation."""
    catalogue: dict[str, Any] = yaml_files.load(CATALOGUE.read_text(encoding="utf-8"))
    entities = {e["key"]: e for e in catalogue["legal_entities"]}
    result: dict[str, tuple[Holder, tuple[str, ...]]] = {}
    for person in catalogue["persons"]:
        surname, name, *rest = person["name"].split()
        employer, roles = EMPLOYMENT.get(person["key"], (None, ()))
        entity = entities[employer] if employer else None
        result[person["key"]] = (
            Holder(
                surname=surname,
                name=name,
                patronymic=" ".join(rest) or None,
                iin=person["iin"],
                bin=entity["bin"] if entity else None,
                organization=entity["name"] if entity else None,
            ),
            roles,
        )
    return result


def generate() -> None:
    root = make_root(ROOT_NAME, CA_FROM, ROOT_UNTIL)
    issuing = make_issuing(root, ISSUING_NAME, CA_FROM, ISSUING_UNTIL, DEFAULT_PUBLIC_URL)
    rogue = make_root("Rogue Root (untrusted, emulator)", CA_FROM, ROOT_UNTIL)
    chain = [issuing.certificate, root.certificate]
    KEYS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in KEYS_DIR.glob("*.p12"):
        stale.unlink()

    issued: list[Issued] = []

    def write(
        persona: str,
        file: str,
        usage: KeyUsage,
        holder: Holder,
        roles: tuple[str, ...],
        *,
        by: Authority = issuing,
        window: tuple[datetime, datetime] = (PERSONAL_FROM, PERSONAL_UNTIL),
        revoked: bool = False,
    ) -> None:
        certificate, key = issue(
            by,
            holder,
            usage,
            not_before=window[0],
            not_after=window[1],
            base_url=DEFAULT_PUBLIC_URL,
            roles=roles,
        )
        trail = chain if by is issuing else [by.certificate]
        (KEYS_DIR / file).write_bytes(pkcs12_of(persona, key, certificate, trail))
        if by is issuing:
            issued.append(Issued(persona, file, usage, certificate, revoked))

    everyone = holders()
    for persona, (holder, roles) in everyone.items():
        write(persona, f"{persona}.p12", KeyUsage.SIGN, holder, roles)
        write(persona, f"{persona}.auth.p12", KeyUsage.AUTH, holder, roles)
    for persona, (like, _) in FAILURE_PERSONAS.items():
        holder, roles = everyone[like]
        file = f"{persona}.p12"
        if persona == "signer_expired":
            write(persona, file, KeyUsage.SIGN, holder, roles, window=(EXPIRED_FROM, EXPIRED_UNTIL))
        elif persona == "signer_revoked":
            write(persona, file, KeyUsage.SIGN, holder, roles, revoked=True)
        else:
            write(persona, file, KeyUsage.SIGN, holder, roles, by=rogue)
    write(
        GATEWAY_PERSONA, f"{GATEWAY_PERSONA}.p12", KeyUsage.SIGN, GATEWAY_HOLDER, (ROLE_MAY_SIGN,)
    )

    seed: dict[str, Any] = {
        "publicBaseUrl": DEFAULT_PUBLIC_URL,
        "authorities": {
            "root": _entry(root),
            "issuing": _entry(issuing),
            "tsa": _entry(_tsa(issuing)),
        },
        "certificates": [_certificate_entry(item) for item in issued],
    }
    SEED_FILE.write_bytes(orjson.dumps(seed, option=orjson.OPT_INDENT_2) + b"\n")
    (KEYS_DIR / "README.md").write_text(_readme(everyone), encoding="utf-8")


def _certificate_entry(item: Issued) -> dict[str, Any]:
    return {
        "persona": item.persona,
        "file": item.file,
        "keyUsage": item.usage.value,
        "certificate": base64.b64encode(
            item.certificate.public_bytes(serialization.Encoding.DER)
        ).decode(),
        "revoked": (
            {"at": REVOKED_AT.isoformat(), "reason": x509.ReasonFlags.key_compromise.value}
            if item.revoked
            else None
        ),
    }


def generate_gateway() -> None:
    """A new key and certificate of the gateway (issued by the committed issuing CA) in the
    seed and in personas/keys; every other key stays."""
    seed = orjson.loads(SEED_FILE.read_bytes())
    authorities = seed["authorities"]
    issuing = Authority.from_pem(
        authorities["issuing"]["certificate"], authorities["issuing"]["key"]
    )
    root = x509.load_pem_x509_certificate(authorities["root"]["certificate"].encode())
    certificate, key = issue(
        issuing,
        GATEWAY_HOLDER,
        KeyUsage.SIGN,
        not_before=PERSONAL_FROM,
        not_after=PERSONAL_UNTIL,
        base_url=DEFAULT_PUBLIC_URL,
        roles=(ROLE_MAY_SIGN,),
    )
    file = f"{GATEWAY_PERSONA}.p12"
    (KEYS_DIR / file).write_bytes(
        pkcs12_of(GATEWAY_PERSONA, key, certificate, [issuing.certificate, root])
    )
    entry = _certificate_entry(Issued(GATEWAY_PERSONA, file, KeyUsage.SIGN, certificate))
    others = [c for c in seed["certificates"] if c["persona"] != GATEWAY_PERSONA]
    seed["certificates"] = [*others, entry]
    SEED_FILE.write_bytes(orjson.dumps(seed, option=orjson.OPT_INDENT_2) + b"\n")
    (KEYS_DIR / "README.md").write_text(_readme(holders()), encoding="utf-8")


def _tsa(issuing: Authority) -> Authority:
    return make_tsa(issuing, TSA_NAME, CA_FROM, ISSUING_UNTIL, DEFAULT_PUBLIC_URL)


def _entry(authority: Authority) -> dict[str, str]:
    return {"certificate": authority.certificate_pem(), "key": authority.key_pem()}


def generate_tsa() -> None:
    """A new TSA key and certificate in the committed seed; every other key stays."""
    seed = orjson.loads(SEED_FILE.read_bytes())
    issuing = seed["authorities"]["issuing"]
    authority = Authority.from_pem(issuing["certificate"], issuing["key"])
    seed["authorities"]["tsa"] = _entry(_tsa(authority))
    SEED_FILE.write_bytes(orjson.dumps(seed, option=orjson.OPT_INDENT_2) + b"\n")


def _readme(everyone: dict[str, tuple[Holder, tuple[str, ...]]]) -> str:
    lines = [
        "# ЭЦП keys of the test personas",
        "",
        "Generated by `python -m pki.generate` together with `pki/seed_data.json`, so the test",
        "НУЦ (`pki`, port 8010) knows every certificate here. Do not edit by hand; running the",
        "generator again makes new keys for everyone.",
        "",
        f"Every file is a PKCS#12 (key, certificate, chain); the password is `{P12_PASSWORD}`.",
        f"Chain: «{ROOT_NAME}» → «{ISSUING_NAME}» → the person. RSA 2048, sha256WithRSA;",
        "GOST keys are not modelled. `<persona>.p12` is the SIGN key (digitalSignature,",
        "nonRepudiation, EKU 1.3.6.1.5.5.7.3.4), `<persona>.auth.p12` the AUTH key",
        "(EKU 1.3.6.1.5.5.7.3.2). Valid 2025-01-01 to 2035-12-31.",
        "",
        "| file | ИИН | БИН | organisation |",
        "|------|-----|-----|--------------|",
    ]
    for persona, (holder, _) in everyone.items():
        lines.append(
            f"| `{persona}.p12`, `{persona}.auth.p12` | {holder.iin} | {holder.bin or ''} "
            f"| {holder.organization or ''} |"
        )
    for persona, (like, what) in FAILURE_PERSONAS.items():
        lines.append(f"| `{persona}.p12` | {everyone[like][0].iin} | | {what} |")
    lines.append(
        f"| `{GATEWAY_PERSONA}.p12` | {GATEWAY_HOLDER.iin} | {GATEWAY_HOLDER.bin} "
        f"| {GATEWAY_HOLDER.organization}: the gateway's own key for its signed SOAP answers |"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--tsa"]:
        generate_tsa()
    elif sys.argv[1:] == ["--gateway"]:
        generate_gateway()
    else:
        generate()
