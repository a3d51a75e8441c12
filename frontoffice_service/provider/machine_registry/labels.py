"""The registry's words as the texts of its refusals name them, in ru/kk/en."""

from __future__ import annotations

from frontoffice_service.machinery.catalogue import Action
from frontoffice_service.provider.machine_registry.models import PlateStatus
from servicekit.messages import Texts

FIELD_NAMES = {
    "technicalPassport": Texts(
        "номер технического паспорта", "техникалық паспорт нөмірі", "technical passport number"
    ),
    "plate": Texts("номерной знак", "нөмірлік белгі", "plate"),
}


ACTION_NAMES = {
    Action.REGISTRATION: Texts("регистрация", "тіркеу", "registration"),
    Action.REREGISTRATION: Texts("перерегистрация", "қайта тіркеу", "re-registration"),
    Action.DEREGISTRATION: Texts("снятие с учёта", "есептен шығару", "deregistration"),
    Action.DUPLICATE: Texts(
        "дубликат технического паспорта",
        "техникалық паспорттың телнұсқасы",
        "duplicate of the technical passport",
    ),
    Action.PLATE: Texts("выдача номерного знака", "нөмірлік белгі беру", "issue of a plate"),
}


PLATE_STATUS_NAMES = {
    PlateStatus.ACTIVE: Texts("на учёте", "есепте", "on a registered machine"),
    PlateStatus.ARCHIVED: Texts("в архиве", "мұрағатта", "in the archive"),
}


def local(texts: Texts) -> dict[str, str]:
    """A param rendered in each message's own language."""
    return {"ru": texts.ru, "kk": texts.kk, "en": texts.en}
