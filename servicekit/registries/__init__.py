"""The registries as the state services call them: one typed adapter per operation
(`base.Operation`: request model, answer model, the fault translation done once), one module
per registry."""

from __future__ import annotations

from typing import Any

from servicekit.registries import (
    customs,
    erap_fines,
    gbd_fl,
    gbd_ul,
    notary,
    number_bank,
    passports,
    payments,
    pki,
    recycling_fee,
    sale_contracts,
)
from servicekit.registries.base import (
    Operation,
    RegistryFailure,
    RegistryRefused,
    RegistryUnavailable,
    Reply,
)

OPERATIONS: dict[str, Operation[Any, Any]] = {
    operation.service_id: operation
    for operation in (
        gbd_fl.PERSON_BY_IIN,
        gbd_fl.BIOMETRIC_VERIFICATION,
        gbd_ul.ORGANIZATION_BY_BIN,
        passports.VEHICLE_PASSPORT,
        passports.MACHINE_PASSPORT,
        customs.PAYMENTS_BY_VIN,
        recycling_fee.FEE_BY_VIN,
        sale_contracts.SALE_CONTRACT,
        erap_fines.FINES_BY_IIN,
        number_bank.RESERVED_NUMBER,
        number_bank.FREE_NUMBERS,
        number_bank.RESERVE,
        number_bank.ISSUE,
        number_bank.RELEASE,
        number_bank.ANNUL,
        number_bank.PLATE_STATUS,
        payments.CREATE_INVOICE,
        payments.INVOICE_STATUS,
        payments.PAID_FOR_PURPOSE,
        pki.VERIFY_CMS,
        pki.CERTIFICATE_STATUS,
        pki.TOKEN_KEYS,
        notary.POWER_OF_ATTORNEY,
    )
}
"""Every operation the state services call, by service ID."""


def registry_name(service_id: str) -> str:
    """The name people know the registry of `service_id` by (ГБД ФЛ, ЭПТС…)."""
    operation = OPERATIONS.get(service_id)
    return operation.registry if operation is not None else service_id


__all__ = [
    "OPERATIONS",
    "Operation",
    "RegistryFailure",
    "RegistryRefused",
    "RegistryUnavailable",
    "Reply",
    "registry_name",
]
