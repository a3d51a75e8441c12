"""The machinery registration service through the ЦОН (M3–M17): what it covers, where and
when, and which documents each action needs (M6.2, M8).

Scope (the joint order No 287 / 466/НҚ, clause 1): state registration, re-registration and
deregistration of tractors and the self-propelled chassis and mechanisms built on them, their
trailers (mounted special equipment included), self-propelled agricultural, reclamation and
road-building machines, and special high-cross-country vehicles; the duplicate of the
registration document (технический паспорт) and the issue of a plate. Pilot: Almaty city and
Kostanay region, 01.09.2025–31.12.2025 (settings, with these values by default).

Checklists: what the Rules of state registration of tractors… (МСХ order 30.03.2015
No 4-3/267, kz-reference §7) list for registration; the other actions' lists were not found,
so theirs are this project's model, and each item says which it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from frontoffice_service.settings import Settings
from servicekit.errors import StepRefusal
from servicekit.messages import Texts
from servicekit.service_centres import service_centre


class Action(StrEnum):
    REGISTRATION = "REGISTRATION"
    REREGISTRATION = "REREGISTRATION"
    DEREGISTRATION = "DEREGISTRATION"
    DUPLICATE = "DUPLICATE"
    """A duplicate of the registration document (технический паспорт)."""
    PLATE = "PLATE"
    """The issue of a state registration plate (МТНБ/ГРНЗ)."""


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
"""What a person reads for an action, in a refusal's text."""


class MachineKind(StrEnum):
    TRACTOR = "TRACTOR"
    """Tractors, and self-propelled chassis and mechanisms built on them."""
    TRAILER = "TRAILER"
    """Their trailers, with mounted special equipment too."""
    AGRICULTURAL = "AGRICULTURAL"
    """Self-propelled agricultural machines (combines…)."""
    RECLAMATION = "RECLAMATION"
    ROAD_BUILDING = "ROAD_BUILDING"
    HIGH_CROSS_COUNTRY = "HIGH_CROSS_COUNTRY"
    """Special high-cross-country vehicles."""


MACHINE_KINDS: dict[str, Texts] = {
    MachineKind.TRACTOR: Texts(
        "трактор, самоходное шасси или механизм на их базе",
        "трактор, өздігінен жүретін шасси немесе олардың базасындағы механизм",
        "tractor, self-propelled chassis or a mechanism built on them",
    ),
    MachineKind.TRAILER: Texts("прицеп к трактору", "трактор тіркемесі", "tractor trailer"),
    MachineKind.AGRICULTURAL: Texts(
        "самоходная сельскохозяйственная машина",
        "өздігінен жүретін ауыл шаруашылығы машинасы",
        "self-propelled agricultural machine",
    ),
    MachineKind.RECLAMATION: Texts(
        "мелиоративная машина", "мелиоративтік машина", "reclamation machine"
    ),
    MachineKind.ROAD_BUILDING: Texts(
        "дорожно-строительная машина", "жол-құрылыс машинасы", "road-building machine"
    ),
    MachineKind.HIGH_CROSS_COUNTRY: Texts(
        "специальная машина повышенной проходимости",
        "жүрімділігі жоғары арнайы машина",
        "special high-cross-country vehicle",
    ),
}
"""The kinds as the documents print them (order clause 1's wording)."""


class Applicant(StrEnum):
    PERSON = "PERSON"
    LEGAL_ENTITY = "LEGAL_ENTITY"


RULES = "МСХ order 30.03.2015 No 4-3/267 (docs/kz-reference.md §7)"


AKIMAT = "akimat press release 29.10.2025 (docs/kz-reference.md §7)"


MODEL = "this project's model: the list for this action was not found (docs/kz-reference.md §7)"


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    names: Texts
    source: str
    applicants: frozenset[Applicant] = frozenset(Applicant)
    first_registration_only: bool = False


def _item(
    code: str,
    ru: str,
    kk: str,
    en: str,
    source: str,
    *,
    applicants: frozenset[Applicant] = frozenset(Applicant),
    first_registration_only: bool = False,
) -> Item:
    return Item(code, Texts(ru, kk, en), source, applicants, first_registration_only)


APPLICATION_FORM = _item(
    "APPLICATION_FORM",
    "Заявление (формы 1 и 2)",
    "Өтініш (1 және 2 нысандар)",
    "Application (forms 1 and 2)",
    RULES,
)


IDENTITY = _item(
    "IDENTITY_DOCUMENT",
    "Документ, удостоверяющий личность, или цифровой документ",
    "Жеке басын куәландыратын құжат немесе цифрлық құжат",
    "Identity document or a digital document",
    RULES,
    applicants=frozenset({Applicant.PERSON}),
)


ENTITY_REGISTRATION = _item(
    "ENTITY_REGISTRATION_CERTIFICATE",
    "Справка о государственной регистрации (перерегистрации) юридического лица или цифровой "
    "документ",
    "Заңды тұлғаны мемлекеттік тіркеу (қайта тіркеу) туралы анықтама немесе цифрлық құжат",
    "Certificate of state registration of the legal entity or a digital document",
    RULES,
    applicants=frozenset({Applicant.LEGAL_ENTITY}),
)


FEE_RECEIPT = _item(
    "FEE_RECEIPT",
    "Документ об оплате сборов и пошлин",
    "Алымдар мен баждардың төленгенін растайтын құжат",
    "Proof of payment of fees and duties",
    RULES,
)


PRODUCER_OBLIGATIONS = _item(
    "PRODUCER_OBLIGATIONS",
    "Подтверждение исполнения расширенных обязательств производителей (импортёров)",
    "Өндірушілердің (импорттаушылардың) кеңейтілген міндеттемелерін орындауын растау",
    "Proof that the extended producer (importer) obligations are met",
    RULES,
    first_registration_only=True,
)


OWNERSHIP = _item(
    "OWNERSHIP_DOCUMENT",
    "Документ о праве собственности (договор, сделка, свидетельство о наследстве…)",
    "Меншік құқығы туралы құжат (шарт, мәміле, мұрагерлік туралы куәлік…)",
    "Ownership document (contract, deal, inheritance certificate…)",
    RULES,
)


MACHINE_PASSPORT = _item(
    "MACHINE_PASSPORT",
    "Паспорт самоходной машины (ПСМ/ЭПСМ)",
    "Өздігінен жүретін машинаның паспорты (ӨМП/ЭӨМП)",
    "Passport of the self-propelled machine (ПСМ/ЭПСМ)",
    AKIMAT,
)


TECHNICAL_PASSPORT = _item(
    "TECHNICAL_PASSPORT",
    "Действующий технический паспорт",
    "Қолданыстағы техникалық паспорт",
    "The current technical passport",
    MODEL,
)


PLATES = _item(
    "PLATES",
    "Государственные регистрационные номерные знаки",
    "Мемлекеттік тіркеу нөмірлік белгілері",
    "The state registration plates",
    MODEL,
)


LOSS_STATEMENT = _item(
    "LOSS_STATEMENT",
    "Заявление об утере (порче) документа или номерного знака",
    "Құжаттың немесе нөмірлік белгінің жоғалғаны (бүлінгені) туралы өтініш",
    "Statement of loss (or damage) of the document or the plate",
    MODEL,
)


CHECKLISTS: dict[Action, tuple[Item, ...]] = {
    Action.REGISTRATION: (
        APPLICATION_FORM,
        IDENTITY,
        ENTITY_REGISTRATION,
        FEE_RECEIPT,
        PRODUCER_OBLIGATIONS,
        OWNERSHIP,
        MACHINE_PASSPORT,
    ),
    Action.REREGISTRATION: (
        APPLICATION_FORM,
        IDENTITY,
        ENTITY_REGISTRATION,
        TECHNICAL_PASSPORT,
        OWNERSHIP,
        FEE_RECEIPT,
    ),
    Action.DEREGISTRATION: (
        APPLICATION_FORM,
        IDENTITY,
        ENTITY_REGISTRATION,
        TECHNICAL_PASSPORT,
        PLATES,
    ),
    Action.DUPLICATE: (
        APPLICATION_FORM,
        IDENTITY,
        ENTITY_REGISTRATION,
        FEE_RECEIPT,
        LOSS_STATEMENT,
    ),
    Action.PLATE: (
        APPLICATION_FORM,
        IDENTITY,
        ENTITY_REGISTRATION,
        TECHNICAL_PASSPORT,
        FEE_RECEIPT,
        LOSS_STATEMENT,
    ),
}
"""M6.2: the documents of each action, for a person or a legal entity."""


def checklist(action: Action, applicant: Applicant, *, first_registration: bool) -> list[Item]:
    """What the package of this action and applicant must hold."""
    return [
        item
        for item in CHECKLISTS[action]
        if applicant in item.applicants and (first_registration or not item.first_registration_only)
    ]


@dataclass(frozen=True, slots=True)
class Presented:
    """One document as the worker found it: there, and valid (not expired, not altered)."""

    code: str
    present: bool
    valid: bool


def missing(
    action: Action,
    applicant: Applicant,
    presented: Iterable[Presented],
    *,
    first_registration: bool,
) -> list[Item]:
    """M8: the items of the checklist that are absent or not valid, in checklist order."""
    good = {p.code for p in presented if p.present and p.valid}
    needed = checklist(action, applicant, first_registration=first_registration)
    return [item for item in needed if item.code not in good]


def require_pilot(settings: Settings, office: str, today: date) -> None:
    """M4: the service is given in the pilot's regions and period only (the office's region
    decides: the applicant comes to a ЦОН of the region); outside them, a clear refusal."""
    centre = service_centre(office)
    if centre is None or centre.region_code not in settings.machinery_pilot_regions:
        raise StepRefusal("MACHINERY_PILOT_REGION", step="M4", field="office", office=office)
    start, end = settings.machinery_pilot_start, settings.machinery_pilot_end
    if not start <= today <= end:
        raise StepRefusal(
            "MACHINERY_PILOT_PERIOD",
            step="M4",
            start=start.strftime("%d.%m.%Y"),
            end=end.strftime("%d.%m.%Y"),
        )


FEES: dict[Action, tuple[str, ...]] = {
    Action.REGISTRATION: (
        "MACHINERY_REGISTRATION",
        "MACHINERY_TECHNICAL_PASSPORT",
        "MACHINERY_PLATE",
    ),
    Action.REREGISTRATION: ("MACHINERY_REGISTRATION", "MACHINERY_TECHNICAL_PASSPORT"),
    Action.DEREGISTRATION: (),
    Action.DUPLICATE: ("MACHINERY_TECHNICAL_PASSPORT",),
    Action.PLATE: ("MACHINERY_PLATE",),
}
"""M6.3: the ПШЭП purposes each action must have paid. This project's model (machinery fees
were not found, docs/kz-reference.md §7): what the action issues — a registration, a technical
passport, a plate — is paid for; a deregistration issues nothing and costs nothing."""
