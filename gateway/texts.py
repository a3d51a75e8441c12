"""Problem codes only the gateway's own API uses (the ШЭП fault codes live in the kit)."""

from servicekit.messages import Texts, register

register(
    {
        "ADMIN_CREDENTIAL_REQUIRED": Texts(
            "Нужен административный ключ: заголовок Authorization: Bearer <токен>",
            "Әкімшілік кілт қажет: Authorization: Bearer <токен> тақырыбы",
            "The admin credential is required: Authorization: Bearer <token>",
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
    }
)
