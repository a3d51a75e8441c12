"""The pages' labels in Russian, Kazakh and English (`?lang=`, remembered in a cookie)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, Literal, TypeVar

Language = Literal["ru", "kk", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "kk", "en")

G = TypeVar("G", bound=str)


class Wording(Generic[G]):
    """Codes of a service as a person reads them, per group of codes (a code may mean other
    things in other groups): ru, kk and en texts for each."""

    def __init__(self, texts: Mapping[G, Mapping[str, tuple[str, str, str]]]) -> None:
        assert all(len(t) == len(LANGUAGES) for table in texts.values() for t in table.values())
        self._texts = texts

    def text(self, group: G, code: str, language: Language) -> str:
        """The code in words; a code this desk has no texts for shows as it is (the desks'
        tests keep that from happening for the services' own codes)."""
        texts = self._texts[group].get(code)
        return texts[LANGUAGES.index(language)] if texts else code

    def known(self, group: G) -> set[str]:
        return set(self._texts[group])


_LABELS: dict[str, tuple[str, str, str]] = {
    "desks": ("Рабочие места ШЭП", "ШЭП жұмыс орындары", "E-gov bus desks"),
    "console": ("Консоль тестировщика", "Тестілеушінің консолі", "Tester's console"),
    "console_about": (
        "Состояние шины, часы, поток сообщений, журнал, сбои, сценарии, инциденты, журнал "
        "сообщений",
        "Шинаның күйі, сағат, хабарламалар ағыны, журнал, ақаулар, сценарийлер, оқиғалар",
        "Bus health, clock, message flow, journal, faults, scenarios, incidents, message log",
    ),
    "health": ("Состояние", "Күйі", "Health"),
    "service": ("Сервис", "Қызмет", "Service"),
    "status": ("Статус", "Мәртебе", "Status"),
    "step": ("Шаг", "Қадам", "Step"),
    "latency": ("Задержка, мс", "Кідіріс, мс", "Latency, ms"),
    "error": ("Ошибка", "Қате", "Error"),
    "clock": ("Часы шины", "Шина сағаты", "Bus clock"),
    "almaty": ("Алматы", "Алматы", "Almaty"),
    "frozen": ("остановлены", "тоқтатылған", "frozen"),
    "running": ("идут", "жүріп тұр", "running"),
    "freeze": ("Остановить", "Тоқтату", "Freeze"),
    "unfreeze": ("Запустить", "Жіберу", "Unfreeze"),
    "set": ("Установить", "Орнату", "Set"),
    "advance": ("Вперёд, с", "Алға, с", "Advance, s"),
    "reset": ("Реальное время", "Нақты уақыт", "Real time"),
    "flow": ("Поток сообщений", "Хабарламалар ағыны", "Message flow"),
    "correlation": (
        "correlationId или messageId",
        "correlationId не messageId",
        "correlationId or messageId",
    ),
    "application_id": (
        "id заявления (VIN или спецтехника)",
        "өтініштің id (VIN немесе арнайы техника)",
        "application id (VIN or machinery)",
    ),
    "application_flow": (
        "Все обращения к реестрам по заявлению идут с его id как correlationId",
        "Өтініш бойынша тізілімдерге барлық сұрау оның id-імен correlationId ретінде жүреді",
        "Every registry call made for an application carries its id as the correlationId",
    ),
    "not_application_id": (
        "Это не id заявления (UUID из ответа сервиса)",
        "Бұл өтініштің id емес (қызмет жауабындағы UUID)",
        "Not an application id (the UUID in the service's answer)",
    ),
    "show": ("Показать", "Көрсету", "Show"),
    "live": ("обновляется", "жаңартылады", "live"),
    "no_messages": ("Сообщений нет", "Хабарламалар жоқ", "No messages"),
    "payload": ("Содержимое (маскировано)", "Мазмұны (бүркемеленген)", "Payload (masked)"),
    "journal": ("Журнал", "Журнал", "Journal"),
    "search": ("Найти", "Іздеу", "Search"),
    "time": ("Время", "Уақыт", "Time"),
    "sender": ("Отправитель", "Жіберуші", "Sender"),
    "operation": ("Операция", "Операция", "Operation"),
    "code": ("Код", "Код", "Code"),
    "duration": ("мс", "мс", "ms"),
    "faults": ("Правила сбоев", "Ақау ережелері", "Fault rules"),
    "kind": ("Вид", "Түрі", "Kind"),
    "add": ("Добавить", "Қосу", "Add"),
    "remove": ("Удалить", "Жою", "Remove"),
    "fired": ("Сработало", "Іске қосылды", "Fired"),
    "no_faults": ("Правил нет", "Ережелер жоқ", "No rules"),
    "scenarios": ("Сценарии", "Сценарийлер", "Scenarios"),
    "scenario": ("Сценарий", "Сценарий", "Scenario"),
    "forces": ("Что вызывает", "Не тудырады", "What it forces"),
    "incidents": ("Инциденты", "Оқиғалар", "Incidents"),
    "parked": ("Отложенные сообщения", "Кейінге қалдырылған хабарламалар", "Parked messages"),
    "queue": ("Очередь", "Кезек", "Queue"),
    "reason": ("Причина", "Себеп", "Reason"),
    "redrive": ("Отправить снова", "Қайта жіберу", "Redrive"),
    "redrive_all": ("Все снова", "Барлығын қайта", "Redrive all"),
    "none_parked": (
        "Отложенных сообщений нет",
        "Кейінге қалдырылған хабарлама жоқ",
        "Nothing parked",
    ),
    "message_log": ("Журнал сообщений", "Хабарламалар журналы", "Message log"),
    "chain": ("Цепочка хешей", "Хеш тізбегі", "Hash chain"),
    "chain_ok": ("цела", "бүтін", "intact"),
    "chain_broken": ("нарушена", "бұзылған", "broken"),
    "checked": ("проверено записей", "тексерілген жазбалар", "records checked"),
    "first_broken": ("первая нарушенная", "алғашқы бұзылған", "first broken"),
    "unavailable": ("недоступно", "қолжетімсіз", "unavailable"),
    "done": ("Готово", "Дайын", "Done"),
    "login": ("Вход по ЭЦП", "ЭЦҚ арқылы кіру", "Login by digital signature"),
    "login_about": (
        "Вход через NCALayer: выберите ключ AUTH (RSA) в NCALayer и подпишите вызов",
        "NCALayer арқылы кіру: NCALayer-де AUTH кілтін таңдап, сұрауға қол қойыңыз",
        "Login through NCALayer: choose your AUTH key in NCALayer and sign the challenge",
    ),
    "login_ecp": ("Войти по ЭЦП", "ЭЦҚ арқылы кіру", "Sign in with ЭЦП"),
    "logout": ("Выйти", "Шығу", "Sign out"),
    "signed_in_as": ("Вы вошли как", "Сіз кірдіңіз:", "Signed in as"),
    "audience_registration_service": (
        "Портал: регистрация ТС по VIN",
        "Портал: ККҚ VIN бойынша тіркеу",
        "Portal: vehicle registration by VIN",
    ),
    "audience_frontoffice_service": (
        "ИИС ЦОН 2.0: фронт-офис и АРМ ГО",
        "ХҚКО 2.0 АЖ: фронт-офис және АРМ ГО",
        "ЦОН 2.0: front office and the akimat's desk",
    ),
    "ncalayer_signing": (
        "Подпишите в NCALayer…",
        "NCALayer-де қол қойыңыз…",
        "Sign in NCALayer…",
    ),
    "ncalayer_cancelled": (
        "Подписание отменено в NCALayer",
        "NCALayer-де қол қою тоқтатылды",
        "Signing cancelled in NCALayer",
    ),
    "ncalayer_unreachable": (
        "NCALayer не запущен",
        "NCALayer іске қосылмаған",
        "NCALayer is not running",
    ),
}

assert all(len(texts) == len(LANGUAGES) for texts in _LABELS.values())


def add(table: dict[str, tuple[str, str, str]]) -> None:
    """A desk's own labels, in the three languages, beside the console's."""
    clash = table.keys() & _LABELS.keys()
    assert not clash, f"labels defined twice: {sorted(clash)}"
    _LABELS.update(table)


def labels(language: Language) -> dict[str, str]:
    index = LANGUAGES.index(language)
    return {key: texts[index] for key, texts in _LABELS.items()}
