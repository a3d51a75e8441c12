"""Texts of every stable problem code, in Russian, Kazakh and English.

The code is the contract (clients branch on it); the texts are for people and may be refined.
A service adds its own codes with `register`. Texts are `str.format` templates over the
problem's params.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Language = Literal["ru", "kk", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "kk", "en")


@dataclass(frozen=True, slots=True)
class Texts:
    ru: str
    kk: str
    en: str

    def render(self, params: Mapping[str, object]) -> dict[str, str]:
        return {lang: _format(getattr(self, lang), params, lang) for lang in LANGUAGES}

    def param(self) -> dict[str, str]:
        """These texts as a param of a problem: each message takes its own language's."""
        return {lang: getattr(self, lang) for lang in LANGUAGES}


def _format(template: str, params: Mapping[str, object], language: Language) -> str:
    # A param may itself be localised ({"ru": …, "kk": …, "en": …}), e.g. a provider's reason.
    local = {
        k: v[language] if isinstance(v, dict) and language in v else v for k, v in params.items()
    }
    try:
        return template.format(**local)
    except (KeyError, IndexError, ValueError):
        return template  # a text with a missing param is still better than no text


def tenge(amount: int) -> str:
    """1234567 → "1 234 567" (no-break spaces), as amounts are written in Kazakhstan."""
    return f"{amount:,}".replace(",", "\N{NO-BREAK SPACE}")


_CATALOGUE: dict[str, Texts] = {}


def register(texts: dict[str, Texts]) -> None:
    """Add codes; a code registered twice with other texts is a programming error."""
    for code, value in texts.items():
        if _CATALOGUE.get(code, value) != value:
            raise ValueError(f"problem code {code} is already registered with other texts")
        _CATALOGUE[code] = value


def texts_for(code: str) -> Texts:
    return _CATALOGUE.get(code, _CATALOGUE["INVALID_VALUE"])


def known_codes() -> dict[str, Texts]:
    return dict(_CATALOGUE)


register(
    {
        # --- ЭЦП (any service that takes a signature) ---
        "SIGNATURE_NOT_ACCEPTED": Texts(
            "Подпись не принята НУЦ: {reasons}",
            "Қолтаңбаны ҰКО қабылдамады: {reasons}",
            "НУЦ did not accept the signature: {reasons}",
        ),
        # --- a state change its process does not have (any state service, servicekit.states) ---
        "ILLEGAL_TRANSITION": Texts(
            "Заявка в состоянии {old} не может перейти в состояние {new}",
            "{old} күйіндегі өтінім {new} күйіне өте алмайды",
            "An application in state {old} cannot move to state {new}",
        ),
        # --- a registry behind the gateway (any state service) ---
        "REGISTRY_UNAVAILABLE": Texts(
            "{registry} сейчас не отвечает: заявка сохранена на этом шаге, повторите позже",
            "{registry} қазір жауап бермейді: өтінім осы қадамда сақталды, кейінірек қайталаңыз",
            "{registry} does not answer now: the application stays at this step; try again later",
        ),
        # --- request shape (any service) ---
        "VALIDATION_FAILED": Texts(
            "Запрос содержит ошибки: {count}",
            "Сұрауда қателер бар: {count}",
            "The request has errors: {count}",
        ),
        "MALFORMED_JSON": Texts(
            "Тело запроса не является корректным JSON",
            "Сұрау денесі дұрыс JSON емес",
            "The request body is not valid JSON",
        ),
        "BODY_REQUIRED": Texts(
            "Нужно тело запроса: JSON-документ (Content-Type: application/json)",
            "Сұрау денесі қажет: JSON құжаты (Content-Type: application/json)",
            "The request body is required: a JSON document (Content-Type: application/json)",
        ),
        "BODY_WRONG_TYPE": Texts(
            "Тело запроса не того вида: нужен JSON-документ по схеме операции "
            "(Content-Type: application/json)",
            "Сұрау денесінің түрі қате: операция сызбасына сай JSON құжаты қажет "
            "(Content-Type: application/json)",
            "The request body is not what the operation takes: a JSON document of its schema "
            "(Content-Type: application/json)",
        ),
        "FIELD_REQUIRED": Texts(
            "Поле «{field}» обязательно",
            "«{field}» өрісі міндетті",
            "The field '{field}' is required",
        ),
        "UNKNOWN_FIELD": Texts(
            "Поле «{field}» не предусмотрено",
            "«{field}» өрісі қарастырылмаған",
            "The field '{field}' is not allowed here",
        ),
        "WRONG_TYPE": Texts(
            "Поле «{field}» имеет неверный тип",
            "«{field}» өрісінің түрі қате",
            "The field '{field}' has the wrong type",
        ),
        "TOO_LONG": Texts(
            "Поле «{field}» длиннее {max_length} символов",
            "«{field}» өрісі {max_length} таңбадан ұзын",
            "The field '{field}' is longer than {max_length} characters",
        ),
        "TOO_SHORT": Texts(
            "Поле «{field}» короче {min_length} символов",
            "«{field}» өрісі {min_length} таңбадан қысқа",
            "The field '{field}' is shorter than {min_length} characters",
        ),
        "INVALID_VALUE": Texts(
            "Поле «{field}» имеет недопустимое значение",
            "«{field}» өрісінің мәні жарамсыз",
            "The field '{field}' has an invalid value",
        ),
        "NOT_FOUND": Texts(
            "Ресурс не найден",
            "Ресурс табылмады",
            "The resource was not found",
        ),
        "METHOD_NOT_ALLOWED": Texts(
            "Метод не поддерживается для этого ресурса",
            "Бұл ресурс үшін әдіс қолданылмайды",
            "The method is not allowed for this resource",
        ),
        "INTERNAL_ERROR": Texts(
            "Внутренняя ошибка сервиса; запрос можно повторить позже",
            "Сервистің ішкі қатесі; сұрауды кейінірек қайталауға болады",
            "Internal service error; the request may be retried later",
        ),
        "BACKEND_UNAVAILABLE": Texts(
            "База данных или брокер сообщений сейчас недоступны; ничего не изменено, повторите "
            "запрос",
            "Дерекқор немесе хабар брокері қазір қолжетімсіз; ештеңе өзгертілмеді, сұрауды "
            "қайталаңыз",
            "The database or the message broker is unavailable now; nothing was changed, retry",
        ),
        "REQUEST_TOO_LARGE": Texts(
            "Тело запроса больше допустимого: не более {limit} байт",
            "Сұрау денесі рұқсат етілгеннен үлкен: {limit} байттан аспауы керек",
            "The request body is too large: at most {limit} bytes",
        ),
        "REQUEST_TIMEOUT": Texts(
            "Запрос не получен целиком за {seconds} с; соединение закрыто",
            "Сұрау {seconds} с ішінде толық алынбады; байланыс жабылды",
            "The request was not received in full within {seconds} s; the connection is closed",
        ),
        "HEADERS_TOO_LARGE": Texts(
            "Строка запроса и заголовки больше допустимого: не более {limit} байт",
            "Сұрау жолы мен тақырыптар рұқсат етілгеннен үлкен: {limit} байттан аспауы керек",
            "The request line and headers are too large: at most {limit} bytes",
        ),
        "NOT_READY": Texts(
            "Сервис запускается и ещё не готов",
            "Сервис іске қосылуда және әлі дайын емес",
            "The service is starting and not ready yet",
        ),
        # --- the gateway's faults (ErrorInfo.errorCode), shared with the provider side ---
        "INVALID_ENVELOPE": Texts(
            "Конверт запроса не соответствует схеме ШЭП",
            "Сұрау конверті ЭҮШ схемасына сәйкес емес",
            "The request envelope does not match the gateway schema",
        ),
        "AUTHENTICATION_FAILED": Texts(
            "Отправитель «{sender_id}» не опознан: неверный идентификатор или пароль",
            "«{sender_id}» жіберушісі танылмады: идентификатор немесе құпиясөз қате",
            "The sender '{sender_id}' is not recognised: wrong id or password",
        ),
        "WRONG_CHANNEL": Texts(
            "Сервис «{service_id}» не вызывается по этому каналу (синхронный/асинхронный)",
            "«{service_id}» сервисі бұл арна арқылы шақырылмайды (синхронды/асинхронды)",
            "The service '{service_id}' is not called on this channel (sync/async)",
        ),
        "ROUTE_NOT_FOUND": Texts(
            "У сервиса «{service_id}» нет маршрута «{route_id}»",
            "«{service_id}» сервисінде «{route_id}» бағыты жоқ",
            "The service '{service_id}' has no route '{route_id}'",
        ),
        "SERVICE_NOT_FOUND": Texts(
            "Сервис «{service_id}» не зарегистрирован в ШЭП",
            "«{service_id}» сервисі ЭҮШ-те тіркелмеген",
            "The service '{service_id}' is not registered at the gateway",
        ),
        "ACCESS_DENIED": Texts(
            "Отправителю «{sender_id}» не разрешён доступ к сервису «{service_id}»",
            "«{sender_id}» жіберушісіне «{service_id}» сервисіне рұқсат жоқ",
            "The sender '{sender_id}' may not call the service '{service_id}'",
        ),
        "PROVIDER_UNAVAILABLE": Texts(
            "Поставщик сервиса «{service_id}» недоступен; повторите запрос позже",
            "«{service_id}» сервисін берушіге қол жетімсіз; сұрауды кейінірек қайталаңыз",
            "The provider of '{service_id}' is unavailable; try again later",
        ),
        "PROVIDER_TIMEOUT": Texts(
            "Поставщик сервиса «{service_id}» не ответил за {timeout_ms} мс; повторите позже",
            "«{service_id}» сервисін беруші {timeout_ms} мс ішінде жауап бермеді; "
            "кейінірек қайталаңыз",
            "The provider of '{service_id}' did not answer within {timeout_ms} ms; try again later",
        ),
        "PROVIDER_ERROR": Texts(
            "Поставщик сервиса «{service_id}» отклонил запрос: {reason}",
            "«{service_id}» сервисін беруші сұрауды қабылдамады: {reason}",
            "The provider of '{service_id}' rejected the request: {reason}",
        ),
        # --- identifiers (kz-reference §1) ---
        "IIN_LENGTH": Texts(
            "ИИН должен состоять из 12 цифр, указано символов: {length}",
            "ЖСН 12 цифрдан тұруы керек, көрсетілген таңбалар саны: {length}",
            "An IIN has 12 digits; {length} characters were given",
        ),
        "IIN_NOT_DIGITS": Texts(
            "ИИН должен содержать только цифры",
            "ЖСН тек цифрлардан тұруы керек",
            "An IIN consists of digits only",
        ),
        "IIN_CENTURY": Texts(
            "7-я цифра ИИН (век и пол) должна быть от 1 до 6",
            "ЖСН-нің 7-цифры (ғасыр мен жыныс) 1-ден 6-ға дейін болуы керек",
            "The 7th digit of an IIN (century and sex) must be 1 to 6",
        ),
        "IIN_BIRTH_DATE": Texts(
            "Первые 6 цифр ИИН не образуют дату рождения",
            "ЖСН-нің алғашқы 6 цифры туған күнді құрамайды",
            "The first 6 digits of the IIN are not a valid birth date",
        ),
        "IIN_CHECK_DIGIT": Texts(
            "Неверная контрольная цифра ИИН: проверьте номер",
            "ЖСН-нің бақылау цифры қате: нөмірді тексеріңіз",
            "The IIN check digit is wrong: please check the number",
        ),
        "VIN_LENGTH": Texts(
            "VIN должен состоять из 17 символов, указано: {length}",
            "VIN 17 таңбадан тұруы керек, көрсетілгені: {length}",
            "A VIN has 17 characters; {length} were given",
        ),
        "VIN_CHARACTERS": Texts(
            "VIN содержит только цифры и латинские буквы, кроме I, O и Q",
            "VIN тек цифрлар мен I, O және Q-дан басқа латын әріптерінен тұрады",
            "A VIN has only digits and Latin letters other than I, O and Q",
        ),
        "BIN_LENGTH": Texts(
            "БИН должен состоять из 12 цифр, указано символов: {length}",
            "БСН 12 цифрдан тұруы керек, көрсетілген таңбалар саны: {length}",
            "A BIN has 12 digits; {length} characters were given",
        ),
        "BIN_NOT_DIGITS": Texts(
            "БИН должен содержать только цифры",
            "БСН тек цифрлардан тұруы керек",
            "A BIN consists of digits only",
        ),
        "BIN_MONTH": Texts(
            "3–4-я цифры БИН (месяц регистрации) должны быть от 01 до 12",
            "БСН-нің 3–4-цифрлары (тіркеу айы) 01-ден 12-ге дейін болуы керек",
            "Digits 3–4 of a BIN (month of registration) must be 01 to 12",
        ),
        "BIN_TYPE": Texts(
            "5-я цифра БИН (тип юридического лица) должна быть 4, 5 или 6",
            "БСН-нің 5-цифры (заңды тұлға түрі) 4, 5 немесе 6 болуы керек",
            "The 5th digit of a BIN (entity type) must be 4, 5 or 6",
        ),
        "BIN_CHECK_DIGIT": Texts(
            "Неверная контрольная цифра БИН: проверьте номер",
            "БСН-нің бақылау цифры қате: нөмірді тексеріңіз",
            "The BIN check digit is wrong: please check the number",
        ),
    }
)
