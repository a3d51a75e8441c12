"""The services of the bus, their fixed ports and where their code lives.

This is the one list that `egov up`, the gateway's health view and docker-compose agree on.
Ports are fixed and documented: the gateway on 8000, the others from 8001 upward, in the order
below. Services are named by import path so that nothing here imports a service.
"""

from __future__ import annotations

from dataclasses import dataclass

GATEWAY = "gateway"
DESKS = "desks"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    port: int
    title: str
    extra_ports: tuple[tuple[str, int], ...] = ()
    """Listeners beside the HTTP port, as (setting, documented port): NCALayer's wss."""

    @property
    def app_factory(self) -> str:
        return f"{self.name}.app:create_app"

    @property
    def settings_class(self) -> str:
        return f"{self.name}.settings:Settings"

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(GATEWAY, 8000, "ШЭП — e-government gateway"),
    ServiceSpec("gbd_fl", 8001, "ГБД ФЛ — persons by ИИН"),
    ServiceSpec("gbd_ul", 8002, "ГБД ЮЛ — legal entities by БИН"),
    ServiceSpec("eps_passports", 8003, "ЭПТС / ЭПСМ — electronic passports by VIN"),
    ServiceSpec("customs", 8004, "customs payments by VIN"),
    ServiceSpec("recycling_fee", 8005, "recycling fee (Жасыл даму) by VIN"),
    ServiceSpec("erap_fines", 8006, "ЕРАП — administrative fines by ИИН"),
    ServiceSpec("number_bank", 8007, "БМГ — the bank of number plates"),
    ServiceSpec("sale_contracts", 8008, "e-signed sale contracts"),
    ServiceSpec("payments", 8009, "ПШЭП — payments of duties and fees"),
    ServiceSpec("pki", 8010, "НУЦ — test CA, OCSP, CRL, signature checks"),
    ServiceSpec("registration_service", 8011, "ПЭП — registration of a vehicle by VIN"),
    ServiceSpec("frontoffice_service", 8012, "ИИС ЦОН 2.0 — front offices"),
    ServiceSpec("notary", 8013, "ЕНИС — notary system: powers of attorney"),
    ServiceSpec(
        "ncalayer",
        8014,
        "NCALayer (emulator) — signing for pages over wss://127.0.0.1:13579",
        extra_ports=(("ws_port", 13579),),
    ),
    ServiceSpec(DESKS, 8015, "Desks — the web pages: the tester's console"),
)


def spec(name: str) -> ServiceSpec:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no service {name!r}; the bus has {', '.join(s.name for s in SERVICES)}")


def local_url(service: ServiceSpec, host: str = "127.0.0.1", port: int | None = None) -> str:
    return f"http://{host}:{port if port is not None else service.port}"
