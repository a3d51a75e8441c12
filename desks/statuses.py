"""What a status of an application, a pick-up, a ticket or an act means to a person, in
Russian, Kazakh and English: the pages show these beside the step badge and keep the code
(`title`, small monospace) for testers. Wording after processes.md (V1–V22, M3–M17) and the
glossary; `tests/desks/test_status_labels.py` fails when a service's status has no texts."""

from __future__ import annotations

from typing import Literal

from desks.texts import Wording

Family = Literal["vin", "machinery", "pickup", "ticket", "act", "archive"]
"""Whose status: registration_service's `State`; frontoffice_service's `ApplicationStatus`,
`PickupStatus`, `TicketStatus`, `ActStatus`, `ArchiveStatus` (codes repeat across them with
other meanings, e.g. HANDED_OVER)."""

_TEXTS: dict[Family, dict[str, tuple[str, str, str]]] = {
    "vin": {
        "V2_AWAITING_VIN": ("Ждёт VIN", "VIN күтуде", "Waiting for the VIN"),
        "V6_AWAITING_BUYER": (
            "Ждёт ИИН покупателя",
            "Сатып алушының ЖСН-ін күтуде",
            "Waiting for the buyer's ИИН",
        ),
        "V9_AWAITING_SELLER_SIGNATURE": (
            "Ждёт подписи продавца (ЭЦП)",
            "Сатушының қолын күтуде (ЭЦҚ)",
            "Waiting for the seller's signature (ЭЦП)",
        ),
        "V10_AWAITING_BUYER_CONSENT": (
            "Ждёт согласия покупателя",
            "Сатып алушының келісімін күтуде",
            "Waiting for the buyer's consent",
        ),
        "V14_AWAITING_FINES_PAYMENT": (
            "Ждёт оплаты штрафов (ЕРАП)",
            "Айыппұлдарды төлеуді күтуде (ЕРАП)",
            "Waiting for the fines to be paid (ЕРАП)",
        ),
        "V15_AWAITING_PICKUP_CHOICE": (
            "Ждёт выбора ЦОН и вида номера",
            "ХҚКО мен нөмір түрін таңдауды күтуде",
            "Waiting for the choice of a ЦОН and a plate type",
        ),
        "V16_AWAITING_PLATE": (
            "Ждёт выбора номера (БМГ)",
            "Нөмірді таңдауды күтуде (БМГ)",
            "Waiting for the choice of a number (БМГ)",
        ),
        "V17_AWAITING_PAYMENT": (
            "Ждёт оплаты пошлин и сборов (ПШЭП)",
            "Баждар мен алымдарды төлеуді күтуде (ПШЭП)",
            "Waiting for the duties and fees to be paid (ПШЭП)",
        ),
        "V18_AWAITING_BUYER_SIGNATURE": (
            "Ждёт подписи покупателя (ЭЦП)",
            "Сатып алушының қолын күтуде (ЭЦҚ)",
            "Waiting for the buyer's signature (ЭЦП)",
        ),
        "V19_AWAITING_DECISION": (
            "На рассмотрении в УАП ДП",
            "УАП ДП қарауында",
            "Being decided by the administrative police",
        ),
        "V19_PRINTING": (
            "Одобрено: СРТС печатается в ИПЦ",
            "Мақұлданды: СРТС ИПЦ-де басылуда",
            "Approved: the СРТС is being printed (ИПЦ)",
        ),
        "V20_READY_FOR_PICKUP": (
            "Готово к выдаче в ЦОН",
            "ХҚКО-да беруге дайын",
            "Ready for pick-up at the ЦОН",
        ),
        "COMPLETED": (
            "СРТС и номер выданы",
            "СРТС пен нөмір берілді",
            "СРТС and plate handed over",
        ),
        "REFUSED": ("Мотивированный отказ", "Уәжді бас тарту", "Motivated refusal"),
        "DECLINED": (
            "Отклонено покупателем",
            "Сатып алушы бас тартты",
            "Declined by the buyer",
        ),
    },
    "machinery": {
        "IDENTIFIED": (
            "Заявитель идентифицирован",
            "Өтініш беруші сәйкестендірілді",
            "Applicant identified",
        ),
        "PACKAGE_ACCEPTED": (
            "Пакет документов принят",
            "Құжаттар топтамасы қабылданды",
            "Package accepted",
        ),
        "FEES_CONFIRMED": (
            "Оплата подтверждена (ПШЭП)",
            "Төлем расталды (ПШЭП)",
            "Fees confirmed (ПШЭП)",
        ),
        "SENT": (
            "Отправлено услугодателю",
            "Көрсетілетін қызметті берушіге жіберілді",
            "Sent to the provider",
        ),
        "RECEIVED": ("Получено в АРМ ГО", "МО АЖО-да алынды", "Received in the provider's desk"),
        "APPROVED": (
            "Одобрено услугодателем",
            "Көрсетілетін қызметті беруші мақұлдады",
            "Approved by the provider",
        ),
        "ISSUED": ("Документы выданы", "Құжаттар берілді", "Documents issued"),
        "REFUSED": ("Мотивированный отказ", "Уәжді бас тарту", "Motivated refusal"),
        "DELIVERY_REJECTED": (
            "Не доставлено: данные изменены в пути",
            "Жеткізілмеді: деректер жолда өзгерген",
            "Not delivered: altered on the way",
        ),
    },
    "pickup": {
        "READY": ("Готово к выдаче", "Беруге дайын", "Ready for pick-up"),
        "HANDED_OVER": ("Выдано владельцу", "Иесіне берілді", "Handed to the owner"),
    },
    "ticket": {
        "WAITING": ("Ожидает", "Күтуде", "Waiting"),
        "CALLED": ("Вызван к окну", "Терезеге шақырылды", "Called to a window"),
        "SERVED": ("Обслужен", "Қызмет көрсетілді", "Served"),
        "NO_SHOW": ("Не явился", "Келмеді", "Did not come"),
    },
    "act": {
        "DRAFT": ("Ждёт подписей", "Қолтаңбаларды күтуде", "Waiting for signatures"),
        "SIGNED": ("Подписан обеими сторонами", "Екі тарап қол қойды", "Signed by both"),
    },
    "archive": {
        "AT_OFFICE": ("Хранится в ЦОН", "ХҚКО-да сақталады", "Kept at the front office"),
        "HANDED_OVER": (
            "Передан услугодателю по акту",
            "Актімен көрсетілетін қызметті берушіге берілді",
            "Handed to the provider by an act",
        ),
    },
}

_WORDING = Wording(_TEXTS)
status_text = _WORDING.text
known = _WORDING.known
