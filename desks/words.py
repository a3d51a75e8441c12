"""The other codes the people's desks show, in Russian, Kazakh and English: the police
decision (V19), a VIN check's outcome (V1–V18), and on the ЦОН/akimat pages the action, the
machine kind, the applicant's kind, the visitor's role, how they proved who they are and the
power of attorney's status (M6.1), and what a queue ticket is for (M5, V20). The pages keep
the code in `title`/`data-*` for testers. Wording after the glossary, frontoffice_service's
catalogue (action and kind names, order clause 1) and ЕНИС's labels; `tests/desks/
test_words.py` fails when a service's code has no texts or the catalogue's wording moved. The
documents' names come with the application itself (its checklist)."""

from __future__ import annotations

from typing import Literal

from desks.texts import Wording

Group = Literal[
    "decision",
    "outcome",
    "action",
    "machine_kind",
    "applicant",
    "role",
    "attorney",
    "identification",
    "ticket_kind",
]
"""registration_service's case decision and check outcome (plain strings there);
frontoffice_service's `Action`, `MachineKind`, `Applicant`, `VisitorRole`,
`IdentificationKind`, `TicketKind`; notary's `PowerStatus` as the application keeps it."""

_TEXTS: dict[Group, dict[str, tuple[str, str, str]]] = {
    "decision": {
        "APPROVED": ("Одобрено", "Мақұлданды", "Approved"),
        "REFUSED": ("Мотивированный отказ", "Уәжді бас тарту", "Motivated refusal"),
    },
    "outcome": {
        "PASSED": ("пройдена", "өтті", "passed"),
        "FAILED": ("не пройдена", "өтпеді", "failed"),
        "UNAVAILABLE": (
            "реестр не ответил",
            "тізілім жауап бермеді",
            "the registry did not answer",
        ),
    },
    "action": {
        "REGISTRATION": ("регистрация", "тіркеу", "registration"),
        "REREGISTRATION": ("перерегистрация", "қайта тіркеу", "re-registration"),
        "DEREGISTRATION": ("снятие с учёта", "есептен шығару", "deregistration"),
        "DUPLICATE": (
            "дубликат технического паспорта",
            "техникалық паспорттың телнұсқасы",
            "duplicate of the technical passport",
        ),
        "PLATE": ("выдача номерного знака", "нөмірлік белгі беру", "issue of a plate"),
    },
    "machine_kind": {
        "TRACTOR": (
            "трактор, самоходное шасси или механизм на их базе",
            "трактор, өздігінен жүретін шасси немесе олардың базасындағы механизм",
            "tractor, self-propelled chassis or a mechanism built on them",
        ),
        "TRAILER": ("прицеп к трактору", "трактор тіркемесі", "tractor trailer"),
        "AGRICULTURAL": (
            "самоходная сельскохозяйственная машина",
            "өздігінен жүретін ауыл шаруашылығы машинасы",
            "self-propelled agricultural machine",
        ),
        "RECLAMATION": ("мелиоративная машина", "мелиоративтік машина", "reclamation machine"),
        "ROAD_BUILDING": (
            "дорожно-строительная машина",
            "жол-құрылыс машинасы",
            "road-building machine",
        ),
        "HIGH_CROSS_COUNTRY": (
            "специальная машина повышенной проходимости",
            "жүрімділігі жоғары арнайы машина",
            "special high-cross-country vehicle",
        ),
    },
    "applicant": {
        "PERSON": ("физическое лицо", "жеке тұлға", "individual"),
        "LEGAL_ENTITY": ("юридическое лицо", "заңды тұлға", "legal entity"),
    },
    "role": {
        "APPLICANT": ("Заявитель", "Өтініш беруші", "Applicant"),
        "REPRESENTATIVE": (
            "Представитель по доверенности",
            "Сенімхат бойынша өкіл",
            "Representative by a power of attorney",
        ),
    },
    "attorney": {
        "ACTIVE": ("действует", "күшінде", "in force"),
        "REVOKED": (
            "отменена доверителем",
            "сенім білдіруші күшін жойды",
            "revoked by the principal",
        ),
        "EXPIRED": ("срок действия истёк", "қолданылу мерзімі өтті", "expired"),
    },
    "identification": {
        "ID_CARD": ("удостоверение личности", "жеке куәлік", "identity card"),
        "DIGITAL_DOCUMENT": (
            "цифровой документ (сервис «Цифровые документы»)",
            "цифрлық құжат («Цифрлық құжаттар» сервисі)",
            "digital document (the «Digital documents» service)",
        ),
    },
    "ticket_kind": {
        "VIN_PICKUP": (
            "Выдача СРТС и номера (V20)",
            "СРТС пен нөмірді беру (V20)",
            "СРТС and plate pick-up (V20)",
        ),
        "SUBMISSION": (
            "Подача документов (M5)",
            "Құжаттарды тапсыру (M5)",
            "Submission of documents (M5)",
        ),
    },
}

_WORDING = Wording(_TEXTS)
word = _WORDING.text
known = _WORDING.known
