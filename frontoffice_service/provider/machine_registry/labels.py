"""The registry's words as the texts of its refusals name them, in ru/kk/en."""

from __future__ import annotations

from frontoffice_service.provider.machine_registry.models import PlateStatus
from servicekit.messages import Texts

FIELD_NAMES = {
    "technicalPassport": Texts(
        "номер технического паспорта", "техникалық паспорт нөмірі", "technical passport number"
    ),
    "plate": Texts("номерной знак", "нөмірлік белгі", "plate"),
}
PLATE_STATUS_NAMES = {
    PlateStatus.ACTIVE: Texts("на учёте", "есепте", "on a registered machine"),
    PlateStatus.ARCHIVED: Texts("в архиве", "мұрағатта", "in the archive"),
}
