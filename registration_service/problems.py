"""The stable codes of the portal: refusals (final, stored on the application) and problems
(4xx answers that change nothing), each with its step ID and ru/kk/en texts.

A refusal says why and what to do; the registry's own answer is kept beside it in the check
history.
"""

from __future__ import annotations

from registration_service.states import step_of
from servicekit.errors import StepRefusal
from servicekit.messages import Texts, register

_T = Texts

REFUSALS: dict[str, Texts] = {
    "PILOT_NOT_ACTIVE": _T(
        "Услуга оказывается в рамках пилотного проекта с {start} по {end}: сегодня она недоступна",
        "Қызмет {start} бастап {end} дейін пилоттық жоба аясында көрсетіледі: бүгін қолжетімсіз",
        "The service runs as a pilot from {start} to {end}: it is not available today",
    ),
    "SELLER_NOT_FOUND": _T(
        "Продавец с БИН {bin} не найден в ГБД ЮЛ: услуга не может быть оказана",
        "БСН {bin} сатушы ЗТ МДҚ-да табылмады: қызмет көрсетілмейді",
        "The seller with БИН {bin} is not in ГБД ЮЛ: the service cannot be provided",
    ),
    "SELLER_NOT_ACTIVE": _T(
        "Продавец с БИН {bin} не действует (статус {org_status}): услуга не может быть оказана",
        "БСН {bin} сатушы әрекет етпейді (мәртебесі {org_status}): қызмет көрсетілмейді",
        "The seller with БИН {bin} is not active (status {org_status}): the service cannot "
        "be provided",
    ),
    "SELLER_NOT_VEHICLE_TRADER": _T(
        "У продавца нет вида деятельности (ОКЭД) по торговле транспортными средствами: "
        "услуга не может быть оказана",
        "Сатушыда көлік құралдарын сату қызмет түрі (ЭҚЖЖ) жоқ: қызмет көрсетілмейді",
        "The seller has no vehicle-trade activity code (ОКЭД): the service cannot be provided",
    ),
    "VEHICLE_PASSPORT_MISSING": _T(
        "Сведения об электронном паспорте ТС (ЭПТС) по VIN {vin} отсутствуют: услуга не может "
        "быть оказана",
        "VIN {vin} бойынша электрондық көлік паспорты (ЭКП) туралы мәліметтер жоқ: қызмет "
        "көрсетілмейді",
        "There is no electronic vehicle passport (ЭПТС) for VIN {vin}: the service cannot be "
        "provided",
    ),
    "VEHICLE_PASSPORT_INVALID": _T(
        "ЭПТС по VIN {vin} не действует ({status}): услуга не может быть оказана",
        "VIN {vin} бойынша ЭКП жарамсыз ({status}): қызмет көрсетілмейді",
        "The ЭПТС of VIN {vin} is not valid ({status}): the service cannot be provided",
    ),
    "VEHICLE_NOT_MADE_IN_KAZAKHSTAN": _T(
        "Пилотный проект охватывает только ТС, произведённые в Казахстане; страна изготовителя "
        "— {country}",
        "Пилоттық жоба тек Қазақстанда шығарылған көлік құралдарын қамтиды; өндіруші елі — "
        "{country}",
        "The pilot covers vehicles produced in Kazakhstan only; this one was made in {country}",
    ),
    "CUSTOMS_RECORD_MISSING": _T(
        "Сведения о таможенных платежах по VIN {vin} отсутствуют: услуга не может быть оказана",
        "VIN {vin} бойынша кедендік төлемдер туралы мәліметтер жоқ: қызмет көрсетілмейді",
        "There is no customs payment record for VIN {vin}: the service cannot be provided",
    ),
    "CUSTOMS_UNPAID": _T(
        "Таможенные платежи по VIN {vin} не оплачены: услуга не может быть оказана",
        "VIN {vin} бойынша кедендік төлемдер төленбеген: қызмет көрсетілмейді",
        "Customs payments for VIN {vin} are not paid: the service cannot be provided",
    ),
    "RECYCLING_FEE_MISSING": _T(
        "Сведения об утилизационном платеже по VIN {vin} отсутствуют: услуга не может быть оказана",
        "VIN {vin} бойынша кәдеге жарату төлемі туралы мәліметтер жоқ: қызмет көрсетілмейді",
        "There is no recycling fee record for VIN {vin}: the service cannot be provided",
    ),
    "RECYCLING_FEE_UNPAID": _T(
        "Утилизационный платёж по VIN {vin} не оплачен: услуга не может быть оказана",
        "VIN {vin} бойынша кәдеге жарату төлемі төленбеген: қызмет көрсетілмейді",
        "The recycling fee for VIN {vin} is not paid: the service cannot be provided",
    ),
    "BUYER_DATA_MISSING": _T(
        "Сведения о покупателе в ГБД ФЛ отсутствуют: услуга не может быть оказана",
        "Сатып алушы туралы мәліметтер ЖТ МДҚ-да жоқ: қызмет көрсетілмейді",
        "ГБД ФЛ has no data on the buyer: the service cannot be provided",
    ),
    "BUYER_DECEASED": _T(
        "По данным ГБД ФЛ покупатель умер: услуга не может быть оказана",
        "ЖТ МДҚ деректері бойынша сатып алушы қайтыс болған: қызмет көрсетілмейді",
        "According to ГБД ФЛ the buyer has died: the service cannot be provided",
    ),
    "BUYER_IIN_INVALIDATED": _T(
        "ИИН покупателя признан недействительным в ГБД ФЛ: услуга не может быть оказана",
        "Сатып алушының ЖСН-і ЖТ МДҚ-да жарамсыз деп танылған: қызмет көрсетілмейді",
        "The buyer's ИИН is invalidated in ГБД ФЛ: the service cannot be provided",
    ),
    "SALE_CONTRACT_MISSING": _T(
        "Договор купли-продажи ТС с VIN {vin} между продавцом и покупателем не найден: услуга "
        "не может быть оказана",
        "Сатушы мен сатып алушы арасындағы VIN {vin} көлік құралын сатып алу-сату шарты "
        "табылмады: қызмет көрсетілмейді",
        "There is no sale contract for VIN {vin} between this seller and this buyer: the "
        "service cannot be provided",
    ),
    "SALE_CONTRACT_NOT_SIGNED": _T(
        "Договор купли-продажи № {number} не подписан обеими сторонами или аннулирован: услуга "
        "не может быть оказана",
        "№ {number} сатып алу-сату шартына екі тарап та қол қоймаған немесе ол жойылған: "
        "қызмет көрсетілмейді",
        "Sale contract No {number} is not signed by both parties or is annulled: the service "
        "cannot be provided",
    ),
    "BUYER_DECLINED": _T(
        "Покупатель отказался от заявки",
        "Сатып алушы өтінімнен бас тартты",
        "The buyer declined the application",
    ),
    "POLICE_REFUSED": _T(
        "Административная полиция отказала в регистрации: {reason}",
        "Әкімшілік полиция тіркеуден бас тартты: {reason}",
        "The administrative police refused the registration: {reason}",
    ),
}

PROBLEMS: dict[str, Texts] = {
    "NOT_A_DEALER": _T(
        "Войдите по ЭЦП работника юридического лица, продающего ТС",
        "Көлік сататын заңды тұлға қызметкерінің ЭЦҚ-сымен кіріңіз",
        "Sign in with the ЭЦП of an employee of a legal entity that sells vehicles",
    ),
    "NOT_A_PERSON": _T(
        "Войдите по ЭЦП физического лица",
        "Жеке тұлғаның ЭЦҚ-сымен кіріңіз",
        "Sign in with the ЭЦП of a private person",
    ),
    "NOT_A_POLICE_OFFICER": _T(
        "Доступно только сотруднику административной полиции",
        "Тек әкімшілік полиция қызметкеріне қолжетімді",
        "Only an officer of the administrative police may do this",
    ),
    "APPLICATION_NOT_FOUND": _T(
        "Заявка не найдена",
        "Өтінім табылмады",
        "No such application",
    ),
    "APPLICATION_WRONG_STEP": _T(
        "Заявка сейчас на шаге {state}: это действие сейчас недоступно",
        "Өтінім қазір {state} қадамында: бұл әрекет қазір қолжетімсіз",
        "The application is at step {state}: this action is not available now",
    ),
    "APPLICATION_CHANGED": _T(
        "Заявку одновременно изменили: обновите её и повторите",
        "Өтінім бір мезгілде өзгертілді: жаңартып, қайталаңыз",
        "The application was changed at the same time: reload it and try again",
    ),
    "VIN_APPLICATION_OPEN": _T(
        "По VIN {vin} уже есть незавершённая заявка {number}",
        "VIN {vin} бойынша аяқталмаған {number} өтінім бар",
        "VIN {vin} already has an open application, {number}",
    ),
    "VIN_ALREADY_REGISTERED": _T(
        "ТС с VIN {vin} уже зарегистрировано (заявка {number})",
        "VIN {vin} көлік құралы тіркелген (өтінім {number})",
        "The vehicle with VIN {vin} is already registered (application {number})",
    ),
    "BUYER_NOT_FOUND": _T(
        "Сведения по ИИН покупателя не найдены в ГБД ФЛ: введите корректный ИИН",
        "Сатып алушының ЖСН бойынша мәліметтер ЖТ МДҚ-да табылмады: дұрыс ЖСН енгізіңіз",
        "ГБД ФЛ has nothing on this ИИН: enter a correct ИИН",
    ),
    "SIGNER_NOT_SELLER": _T(
        "Заявку подписал не работник продавца (БИН в сертификате: {bin})",
        "Өтінімге сатушының қызметкері қол қойған жоқ (сертификаттағы БСН: {bin})",
        "The application is not signed by an employee of the seller (БИН in the certificate: "
        "{bin})",
    ),
    "SIGNER_NOT_SIGNED_IN": _T(
        "Заявку подписал не вошедший работник: ИИН в сертификате ({iin}) не совпадает с ИИН "
        "вошедшего",
        "Өтінімге кірген қызметкер қол қойған жоқ: сертификаттағы ЖСН ({iin}) кірген "
        "қызметкердің ЖСН-імен сәйкес емес",
        "The application is not signed by the signed-in employee: the ИИН in the certificate "
        "({iin}) is not theirs",
    ),
    "SIGNER_NO_SIGNING_RIGHT": _T(
        "В сертификате подписанта нет права подписи от имени организации (БИН {bin}): нужен "
        "сертификат первого руководителя или лица с правом подписи",
        "Қол қоюшының сертификатында ұйым атынан (БСН {bin}) қол қою құқығы жоқ: бірінші "
        "басшының немесе қол қою құқығы бар тұлғаның сертификаты қажет",
        "The signer's certificate carries no right to sign for the organisation (БИН {bin}): "
        "a certificate of its head or of a person who may sign is needed",
    ),
    "SIGNER_NOT_BUYER": _T(
        "Заявку подписал не покупатель: ИИН в сертификате не совпадает",
        "Өтінімге сатып алушы қол қойған жоқ: сертификаттағы ЖСН сәйкес емес",
        "The application is not signed by the buyer: the ИИН in the certificate differs",
    ),
    "SIGNER_NOT_OFFICER": _T(
        "Решение подписано не вошедшим сотрудником: ИИН в сертификате не совпадает",
        "Шешімге кірген қызметкер қол қойған жоқ: сертификаттағы ЖСН сәйкес емес",
        "The decision is not signed by the signed-in officer: the ИИН in the certificate differs",
    ),
    "FINES_UNPAID": _T(
        "У покупателя {count} неоплаченных штрафов на {total} ₸: оплатите штрафы и подайте "
        "заявку снова",
        "Сатып алушыда {total} ₸ сомасына {count} төленбеген айыппұл бар: айыппұлдарды төлеп, "
        "өтінімді қайта беріңіз",
        "The buyer has {count} unpaid fines totalling {total} ₸: pay the fines and submit again",
    ),
    "CENTRE_UNKNOWN": _T(
        "ЦОН {centre} не участвует в пилотном проекте: выберите ЦОН из списка",
        "{centre} ХҚКО пилоттық жобаға қатыспайды: тізімнен ХҚКО таңдаңыз",
        "ЦОН {centre} is not in the pilot: choose one from the list",
    ),
    "PLATE_NOT_OFFERED": _T(
        "Номер {plate} нельзя выбрать: выберите из предложенных свободных номеров региона",
        "{plate} нөмірін таңдауға болмайды: өңірдің ұсынылған бос нөмірлерінен таңдаңыз",
        "Number {plate} cannot be chosen: choose one of the region's free numbers offered",
    ),
    "PLATE_ALREADY_TAKEN": _T(
        "Номер {plate} уже занят: выберите другой",
        "{plate} нөмірі бос емес: басқасын таңдаңыз",
        "Number {plate} has just been taken: choose another",
    ),
    "PLATE_RESERVATION_LIMIT": _T(
        "В БМГ за вами уже забронировано предельное число номеров: завершите или отмените "
        "другие заявки",
        "МНБ-да сізге брондалған нөмірлер саны шекке жетті: басқа өтінімдерді аяқтаңыз "
        "немесе бас тартыңыз",
        "БМГ already holds as many numbers for you as it allows: finish or cancel your other "
        "applications",
    ),
    "INVOICE_NOT_PAID": _T(
        "Счёт {invoice} ещё не оплачен в ПШЭП: оплатите его, чтобы продолжить",
        "{invoice} шоты ТЭҮШ-те әлі төленбеген: жалғастыру үшін төлеңіз",
        "Invoice {invoice} is not paid in ПШЭП yet: pay it to go on",
    ),
    "POLICE_REASON_REQUIRED": _T(
        "Отказ в регистрации должен быть мотивирован: укажите причину",
        "Тіркеуден бас тарту дәлелді болуы керек: себебін көрсетіңіз",
        "A refusal must be motivated: give the reason",
    ),
    "PLATE_NOT_ISSUED": _T(
        "БМГ не выдал номер {plate} ({reason}): заявка ждёт решения",
        "МНБ {plate} нөмірін бермеді ({reason}): өтінім шешімді күтеді",
        "БМГ did not issue plate {plate} ({reason}): the application waits for a decision",
    ),
    "SRTS_NOT_FOUND": _T(
        "Свидетельство о регистрации не найдено",
        "Тіркеу туралы куәлік табылмады",
        "No such registration certificate",
    ),
    "TOO_MANY_STREAMS": _T(
        "Открыто уже {limit} потоков уведомлений этого пользователя: закройте один из них",
        "Бұл пайдаланушының {limit} хабарлама ағыны ашық тұр: олардың бірін жабыңыз",
        "This user already has {limit} notification streams open: close one of them",
    ),
}

register(REFUSALS)
register(PROBLEMS)


def wrong_step(state: str) -> StepRefusal:
    return StepRefusal("APPLICATION_WRONG_STEP", step_of(state), status=409, state=state)
