"""Problem codes only the gateway's own API uses (the ШЭП fault codes live in the kit)."""

from servicekit.messages import Texts, register

register(
    {
        "CONNECTION_DROPPED": Texts(
            "Соединение разорвано (правило неисправности «{rule_id}»)",
            "Байланыс үзілді («{rule_id}» ақау ережесі)",
            "The connection was dropped (fault rule '{rule_id}')",
        ),
        "UNKNOWN_PROVIDER": Texts(
            "Поставщик «{provider}» неизвестен шлюзу",
            "«{provider}» берушісі шлюзге белгісіз",
            "The provider '{provider}' is unknown to the gateway",
        ),
        "PASSWORD_OR_HASH": Texts(
            "Укажите либо пароль, либо его хеш (scrypt), но не оба",
            "Құпиясөзді немесе оның хешін (scrypt) көрсетіңіз, екеуін бірге емес",
            "Give either a password or its (scrypt) hash, not both",
        ),
        "NUMBER_OUT_OF_RANGE": Texts(
            "Число в поле «{field}» не может быть передано: NaN, Infinity, число за пределами "
            "double или целое длиннее 64 бит",
            "«{field}» өрісіндегі санды жіберу мүмкін емес: NaN, Infinity, double ауқымынан тыс "
            "сан немесе 64 биттен ұзын бүтін сан",
            "The number in '{field}' cannot be carried: NaN, Infinity, a number beyond the "
            "double range or an integer longer than 64 bits",
        ),
        # --- the SOAP face: why a body is not a SendMessage envelope ---
        "MALFORMED_XML": Texts(
            "Тело запроса не является корректным XML",
            "Сұрау денесі дұрыс XML емес",
            "The request body is not well-formed XML",
        ),
        "XML_DTD_FORBIDDEN": Texts(
            "XML-документ с DTD не принимается: сущности и DTD в SOAP-сообщении запрещены",
            "DTD бар XML құжаты қабылданбайды: SOAP хабарламасында нысандар мен DTD тыйым салынған",
            "An XML document with a DTD is refused: a SOAP message may carry no DTD or entities",
        ),
        "SOAP_ENVELOPE_EXPECTED": Texts(
            "Ожидается конверт SOAP 1.1 с операцией SendMessage и её элементом request",
            "SendMessage операциясы және оның request элементі бар SOAP 1.1 конверті күтіледі",
            "A SOAP 1.1 envelope holding the SendMessage operation and its request is expected",
        ),
        "SOAP_VERSION_MISMATCH": Texts(
            "Шлюз принимает SOAP 1.1, а не SOAP 1.2",
            "Шлюз SOAP 1.2 емес, SOAP 1.1 қабылдайды",
            "The gateway speaks SOAP 1.1, not SOAP 1.2",
        ),
        "SOAP_ACTION_UNKNOWN": Texts(
            "Неизвестный SOAPAction: ожидается пустой, SendMessage или отсутствующий",
            "Белгісіз SOAPAction: бос, SendMessage немесе мүлдем жоқ болуы керек",
            "Unknown SOAPAction: it must be empty, SendMessage, or absent",
        ),
        # --- tester controls: fault rules ---
        "INJECTED_FAULT": Texts(
            "Сбой задан тестовым правилом {rule_id}: {reason}",
            "Ақау {rule_id} тест ережесімен берілген: {reason}",
            "Fault injected by test rule {rule_id}: {reason}",
        ),
        "FAULT_RULE_NOT_FOUND": Texts(
            "Правило сбоя «{rule_id}» не найдено",
            "«{rule_id}» ақау ережесі табылмады",
            "The fault rule '{rule_id}' was not found",
        ),
        "FAULT_FIELD_NOT_APPLICABLE": Texts(
            "Поле «{field}» не применяется к правилу вида «{kind}»",
            "«{field}» өрісі «{kind}» түріндегі ережеге қолданылмайды",
            "The field '{field}' does not apply to a rule of kind '{kind}'",
        ),
        "EXPIRY_OR_TTL": Texts(
            "Укажите либо expiresAt, либо ttlSeconds, но не оба",
            "expiresAt немесе ttlSeconds көрсетіңіз, екеуін бірге емес",
            "Give either expiresAt or ttlSeconds, not both",
        ),
        "EXPIRY_IN_PAST": Texts(
            "Момент «{field}» по часам шины уже прошёл: правило никогда не сработает",
            "Шина сағаты бойынша «{field}» сәті өтіп кетті: ереже ешқашан іске аспайды",
            "The moment '{field}' has already passed on the bus clock: the rule would never fire",
        ),
        # --- message log ---
        "INVALID_TIME_RANGE": Texts(
            "Начало периода «from» должно быть раньше его конца «to»",
            "«from» кезеңінің басы оның «to» соңынан ерте болуы керек",
            "The start of the range ('from') must come before its end ('to')",
        ),
    }
)
