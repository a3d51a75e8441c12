"""The stable codes of ИИС ЦОН 2.0, with their ru/kk/en texts, and the motivated refusal.

A refusal names its step (`step`: V20, V21…) and, when a registry's answer decided it, the
registry (`registry`), beside the code, the field and the texts of every problem document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servicekit.envelope import ErrorInfo
from servicekit.errors import Problem
from servicekit.gateway_client import DATA_FIELD
from servicekit.messages import LANGUAGES, Texts, register

GBD_FL = "ГБД ФЛ"


class Refusal(Problem):
    """A motivated refusal at a step of the process: nothing was changed."""

    status = 422

    def __init__(
        self,
        code: str,
        *,
        step: str,
        status: int | None = None,
        field: str | None = None,
        registry: str | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        named = {"registry": registry} if registry else {}
        members = {"step": step, **named, **(extra or {})}
        # The registry is a member of the document and may be named in its texts too.
        super().__init__(code, status=status, field=field, extra=members, **named, **params)


class RegistryRefusal(Refusal):
    """A registry's own refusal of what the desk sent it, passed on as the registry said it:
    its status, its code and its texts, on the field of the desk's request that the refused
    data came from (none when the desk made that data up itself)."""

    def __init__(
        self,
        refusal: ErrorInfo,
        *,
        status: int,
        step: str,
        registry: str,
        fields: Mapping[str, str],
    ) -> None:
        problem: dict[str, Any] = refusal.error_data if isinstance(refusal.error_data, dict) else {}
        registry_field = problem.get("field")
        name = str(registry_field).removeprefix(f"{DATA_FIELD}.") if registry_field else None
        texts = problem.get("messages")
        self._texts: dict[str, str] | None = (
            {lang: str(texts[lang]) for lang in LANGUAGES}
            if isinstance(texts, dict) and all(texts.get(lang) for lang in LANGUAGES)
            else None
        )
        super().__init__(
            refusal.error_code,
            step=step,
            status=status,
            field=fields.get(name) if name else None,
            registry=registry,
            extra={"registryField": registry_field} if registry_field else None,
        )

    def messages(self) -> dict[str, str]:
        return self._texts or super().messages()


register(
    {
        # --- who may work at which office (M3) ---
        "FRONTOFFICE_WORKER_REQUIRED": Texts(
            "Действие доступно только работнику фронт-офиса ЦОН",
            "Әрекет тек ХҚКО фронт-офисінің қызметкеріне қолжетімді",
            "Only a ЦОН front-office worker may do this",
        ),
        "FRONTOFFICE_HEAD_REQUIRED": Texts(
            "Действие доступно только руководителю фронт-офиса ЦОН или его заместителю",
            "Әрекет тек ХҚКО фронт-офисінің басшысына немесе оның орынбасарына қолжетімді",
            "Only the head of the ЦОН front office (or the deputy) may do this",
        ),
        "PROVIDER_OFFICER_REQUIRED": Texts(
            "Действие доступно только сотруднику услугодателя (акимата) в АРМ ГО",
            "Әрекет тек көрсетілетін қызметті берушінің (әкімдіктің) МО АЖО қызметкеріне "
            "қолжетімді",
            "Only an officer of the service provider (the akimat) in АРМ ГО may do this",
        ),
        "OFFICE_FORBIDDEN": Texts(
            "Вы не работаете в ЦОН {office}: действие доступно только его работникам",
            "Сіз {office} ХҚКО-да жұмыс істемейсіз: әрекет тек оның қызметкерлеріне қолжетімді",
            "You do not work at the ЦОН {office}: only its workers may do this",
        ),
        # --- the visitor in ГБД ФЛ (V20, V21) ---
        "VISITOR_NOT_FOUND": Texts(
            "Сведения по ИИН посетителя не найдены в ГБД ФЛ: проверьте ИИН",
            "Келушінің ЖСН бойынша ЖТ МДҚ-да мәліметтер табылмады: ЖСН-ді тексеріңіз",
            "ГБД ФЛ has no person with the visitor's ИИН: check the ИИН",
        ),
        "VISITOR_DECEASED": Texts(
            "По данным ГБД ФЛ лицо с этим ИИН умерло: документы не выдаются",
            "ЖТ МДҚ деректері бойынша осы ЖСН иесі қайтыс болған: құжаттар берілмейді",
            "According to ГБД ФЛ the person with this ИИН is deceased: nothing is handed out",
        ),
        "VISITOR_IIN_INVALIDATED": Texts(
            "ИИН посетителя аннулирован в ГБД ФЛ: обратитесь за уточнением данных",
            "Келушінің ЖСН-і ЖТ МДҚ-да жойылған: деректерді нақтылауға жүгініңіз",
            "The visitor's ИИН is invalidated in ГБД ФЛ: the person's data must be clarified",
        ),
        "VISITOR_ID_CARD_MISMATCH": Texts(
            "Удостоверение личности № {number} не является действительным документом "
            "этого ИИН в ГБД ФЛ",
            "№ {number} жеке куәлік ЖТ МДҚ-да осы ЖСН-нің жарамды құжаты емес",
            "The identity card No {number} is not a valid document of this ИИН in ГБД ФЛ",
        ),
        "VISITOR_CHECK_UNAVAILABLE": Texts(
            "ГБД ФЛ сейчас недоступна, личность проверить нельзя: повторите через минуту",
            "ЖТ МДҚ қазір қолжетімсіз, тұлғаны тексеру мүмкін емес: бір минуттан кейін қайталаңыз",
            "ГБД ФЛ cannot be reached, so the identity cannot be checked: try again in a minute",
        ),
        # --- documents ready for pick-up (V20–V22) ---
        "PICKUP_NOT_READY": Texts(
            "Для этого ИИН нет готовых к выдаче документов (СРТС и ГРНЗ) ни в одном ЦОН",
            "Бұл ЖСН үшін ешбір ХҚКО-да беруге дайын құжаттар (тіркеу куәлігі мен МТНБ) жоқ",
            "No documents (СРТС and plate) are ready for this ИИН at any ЦОН",
        ),
        "PICKUP_AT_OTHER_OFFICE": Texts(
            "Документы готовы к выдаче в другом ЦОН: {office_name}, {address}",
            "Құжаттар басқа ХҚКО-да беруге дайын: {office_name_kk}, {address}",
            "The documents are ready at another ЦОН: {office_name}, {address}",
        ),
        "PICKUP_WRONG_APPLICATION": Texts(
            "Заявление № {application_number} не найдено среди готовых к выдаче: "
            "проверьте номер заявления на портале",
            "№ {application_number} өтініш беруге дайындардың арасында табылмады: "
            "порталдағы өтініш нөмірін тексеріңіз",
            "Application No {application_number} is not among the documents ready here: "
            "check the number on the portal",
        ),
        "PICKUP_WRONG_PERSON": Texts(
            "Заявление № {application_number} подано не на этого человека: документы выдаются "
            "только владельцу",
            "№ {application_number} өтініш бұл адамға берілмеген: құжаттар тек иесіне беріледі",
            "Application No {application_number} is not this person's: the documents go to "
            "the owner only",
        ),
        "PICKUP_ALREADY_HANDED_OVER": Texts(
            "Документы по заявлению № {application_number} уже выданы",
            "№ {application_number} өтініш бойынша құжаттар берілген",
            "The documents of application No {application_number} were already handed over",
        ),
        # --- the electronic queue (V20, M5) ---
        "TICKET_NOT_FOUND": Texts(
            "Талон {ticket_id} не найден в очереди этого ЦОН",
            "{ticket_id} талоны осы ХҚКО кезегінде табылмады",
            "Ticket {ticket_id} is not in this ЦОН's queue",
        ),
        "TICKET_NOT_CALLED": Texts(
            "Талон {ticket} не вызван к окну (состояние: {ticket_status})",
            "{ticket} талоны терезеге шақырылмаған (күйі: {ticket_status})",
            "Ticket {ticket} is not called to a window (it is {ticket_status})",
        ),
        "TICKET_WRONG_KIND": Texts(
            "Талон {ticket} выдан не на получение документов: выдайте талон на выдачу",
            "{ticket} талоны құжаттарды алуға берілмеген: беру талонын беріңіз",
            "Ticket {ticket} is not a pick-up ticket: issue a pick-up ticket",
        ),
        "TICKET_WRONG_PERSON": Texts(
            "Талон {ticket} выдан другому посетителю (по другому ИИН)",
            "{ticket} талоны басқа келушіге (басқа ЖСН бойынша) берілген",
            "Ticket {ticket} was issued to another visitor (another ИИН)",
        ),
        "TICKET_NOT_WAITING": Texts(
            "Талон {ticket} уже не ждёт в очереди (состояние: {ticket_status})",
            "{ticket} талоны кезекте күтіп тұрған жоқ (күйі: {ticket_status})",
            "Ticket {ticket} is not waiting in the queue (it is {ticket_status})",
        ),
        # --- the machinery pilot (M4) ---
        "MACHINERY_PILOT_REGION": Texts(
            "Регистрация сельхозтехники через ЦОН в пилотном режиме оказывается только в г. "
            "Алматы и Костанайской области; ЦОН {office} в пилот не входит",
            "Ауыл шаруашылығы техникасын ХҚКО арқылы тіркеу пилоттық режимде тек Алматы қ. "
            "мен Қостанай облысында көрсетіледі; {office} ХҚКО пилотқа кірмейді",
            "Machinery registration at a ЦОН is a pilot of Almaty city and Kostanay region only; "
            "ЦОН {office} is not in it",
        ),
        "MACHINERY_PILOT_PERIOD": Texts(
            "Пилот регистрации сельхозтехники через ЦОН идёт с {start} по {end}: сегодня услуга "
            "недоступна",
            "ХҚКО арқылы ауыл шаруашылығы техникасын тіркеу пилоты {start} бастап {end} дейін "
            "өтеді: бүгін қызмет қолжетімсіз",
            "The machinery registration pilot runs from {start} to {end}: the service is not "
            "available today",
        ),
        # --- scans of the documents (M6.4) ---
        "SCAN_EMPTY": Texts(
            "Файл скана пуст",
            "Скан файлы бос",
            "The scan's file is empty",
        ),
        "SCAN_TOO_LARGE": Texts(
            "Скан слишком велик: {size} байт, допустимо не более {limit}",
            "Скан тым үлкен: {size} байт, {limit} байттан аспауы керек",
            "The scan is too large: {size} bytes, at most {limit} are allowed",
        ),
        "SCAN_TYPE_NOT_ALLOWED": Texts(
            "Скан принимается только в форматах PDF, JPEG или PNG",
            "Скан тек PDF, JPEG немесе PNG пішімдерінде қабылданады",
            "A scan must be a PDF, a JPEG or a PNG",
        ),
        "SCAN_TYPE_MISMATCH": Texts(
            "Заявлен тип {declared}, а файл — {found}",
            "{declared} түрі көрсетілген, ал файл — {found}",
            "The file was declared as {declared} but is {found}",
        ),
        "SCAN_CORRUPT": Texts(
            "Файл {found} повреждён или загружен не полностью: отсканируйте документ заново",
            "{found} файлы бүлінген немесе толық жүктелмеген: құжатты қайта сканерлеңіз",
            "The {found} file is damaged or incomplete: scan the document again",
        ),
        "QUEUE_EMPTY": Texts(
            "В очереди ЦОН на сегодня нет ожидающих талонов",
            "ХҚКО кезегінде бүгінге күтіп тұрған талондар жоқ",
            "Nobody is waiting in this ЦОН's queue today",
        ),
    }
)
