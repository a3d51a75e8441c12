"""Who a machine is registered to, and who applies: an owner is a person or a legal entity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from frontoffice_service.machinery.models import MachineryApplication
from frontoffice_service.provider.machine_registry.models import Machine


@dataclass(frozen=True, slots=True)
class Owner:
    iin: str | None
    bin: str | None
    name: str

    def matches(self, iin: str | None, bin_: str | None) -> bool:
        return (self.iin, self.bin) == (iin, bin_)


def owner_of(machine: Machine) -> Owner:
    return Owner(machine.owner_iin, machine.owner_bin, machine.owner_name)


def applicant_of(application: MachineryApplication) -> Owner:
    return Owner(application.applicant_iin, application.applicant_bin, application.applicant_name)


def owner_columns(owner: Owner) -> dict[str, Any]:
    return {"owner_iin": owner.iin, "owner_bin": owner.bin, "owner_name": owner.name}
