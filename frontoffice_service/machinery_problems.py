"""The stable codes of the machinery service's desks (M4–M15), with their ru/kk/en texts.

Imported by the desks' modules, so every process that serves them knows the codes."""

from __future__ import annotations

from servicekit.messages import Texts, register

register(
    {
        # --- НУЦ out of reach ---
        "SIGNATURE_CHECK_UNAVAILABLE": Texts(
            "НУЦ сейчас недоступен, подпись проверить нельзя: повторите через минуту",
            "ҰКО қазір қолжетімсіз, қолтаңбаны тексеру мүмкін емес: бір минуттан кейін қайталаңыз",
            "НУЦ cannot be reached, so the signature cannot be checked: try again in a minute",
        ),
        # --- M5 ---
        "TICKET_NOT_SUBMISSION": Texts(
            "Талон {ticket} выдан не на подачу документов: выдайте талон на подачу",
            "{ticket} талоны құжаттарды тапсыруға берілмеген: тапсыру талонын беріңіз",
            "Ticket {ticket} is not a submission ticket: issue a submission ticket",
        ),
        # --- M6.1, M7 ---
        "VISITOR_NOT_APPLICANT": Texts(
            "ИИН посетителя не совпадает с ИИН заявителя: представитель подаёт как представитель",
            "Келушінің ЖСН-і өтініш берушінің ЖСН-імен сәйкес емес: өкіл өкіл ретінде тапсырады",
            "The visitor's ИИН is not the applicant's: a representative applies as a "
            "representative",
        ),
        "REPRESENTATIVE_IS_APPLICANT": Texts(
            "Заявитель не может быть своим представителем",
            "Өтініш беруші өзінің өкілі бола алмайды",
            "The applicant cannot be their own representative",
        ),
        "ENTITY_NEEDS_REPRESENTATIVE": Texts(
            "За юридическое лицо обращается его представитель (руководитель или сотрудник по "
            "доверенности)",
            "Заңды тұлғаның атынан оның өкілі (басшысы немесе сенімхат бойынша қызметкері) "
            "жүгінеді",
            "A legal entity applies through a representative (its head or an employee with a "
            "power of attorney)",
        ),
        "APPLICANT_NOT_FOUND": Texts(
            "Сведения по ИИН не найдены в ГБД ФЛ: проверьте ИИН",
            "ЖСН бойынша ЖТ МДҚ-да мәліметтер табылмады: ЖСН-ді тексеріңіз",
            "ГБД ФЛ has no person with this ИИН: check the ИИН",
        ),
        "APPLICANT_NOT_ALIVE": Texts(
            "По данным ГБД ФЛ лицо с этим ИИН не может обратиться за услугой ({life_status})",
            "ЖТ МДҚ деректері бойынша осы ЖСН иесі қызметке жүгіне алмайды ({life_status})",
            "According to ГБД ФЛ the person with this ИИН cannot apply ({life_status})",
        ),
        "ENTITY_NOT_FOUND": Texts(
            "Сведения по БИН не найдены в ГБД ЮЛ: проверьте БИН",
            "БСН бойынша ЗТ МДҚ-да мәліметтер табылмады: БСН-ді тексеріңіз",
            "ГБД ЮЛ has no legal entity with this БИН: check the БИН",
        ),
        "ENTITY_NOT_ACTIVE": Texts(
            "Юридическое лицо не действует (состояние в ГБД ЮЛ: {status_name})",
            "Заңды тұлға әрекет етпейді (ЗТ МДҚ-дағы күйі: {status_name})",
            "The legal entity is not active (its state in ГБД ЮЛ: {status_name})",
        ),
        "BIOMETRICS_FAILED": Texts(
            "Отказ: биометрическая идентификация не пройдена ({verdict}), личность заявителя "
            "не подтверждена",
            "Бас тарту: биометриялық сәйкестендіру өтпеді ({verdict}), өтініш берушінің жеке "
            "басы расталмады",
            "Refused: the biometric identification failed ({verdict}); the identity is not "
            "confirmed",
        ),
        "POWER_OF_ATTORNEY_INVALID": Texts(
            "Отказ: у представителя нет действующей доверенности в ЕНИС на регистрацию техники "
            "({reason})",
            "Бас тарту: өкілде ЕНАЖ-да техниканы тіркеуге жарамды сенімхат жоқ ({reason})",
            "Refused: the representative has no valid power of attorney in ЕНИС to register "
            "machinery ({reason})",
        ),
        # --- M6.2, M8 ---
        "DOCUMENT_NOT_IN_CHECKLIST": Texts(
            "Документа {code_name} нет в перечне для действия {action}",
            "{code_name} құжаты {action} әрекетінің тізбесінде жоқ",
            "The document {code_name} is not in the list of the action {action}",
        ),
        "PACKAGE_INCOMPLETE": Texts(
            "Отказ в приёме документов: пакет неполный или документы недействительны — {documents}",
            "Құжаттарды қабылдаудан бас тарту: топтама толық емес немесе құжаттар жарамсыз — "
            "{documents}",
            "The documents are not accepted: the package is incomplete or not valid — {documents}",
        ),
        # --- M6.3 ---
        "FEES_NOT_PAID": Texts(
            "В ПШЭП нет оплаты заявителя: {purposes}. Оплатите и повторите проверку",
            "ЭҮТШ-да өтініш берушінің төлемі жоқ: {purposes}. Төлеп, тексеруді қайталаңыз",
            "ПШЭП has no payment of the applicant for: {purposes}. Pay and check again",
        ),
        "FEES_ALREADY_PAID": Texts(
            "Все сборы по заявлению уже оплачены: счёт не нужен",
            "Өтініш бойынша барлық алымдар төленген: шот қажет емес",
            "Every fee of the application is paid already: no invoice is needed",
        ),
        "FEES_TAKEN_MEANWHILE": Texts(
            "Эта оплата только что учтена по другому заявлению: повторите проверку",
            "Бұл төлем жаңа ғана басқа өтініш бойынша есепке алынды: тексеруді қайталаңыз",
            "This payment was just counted for another application: check again",
        ),
        # --- M6.4 ---
        "SCAN_NOT_IN_PACKAGE": Texts(
            "Документа {code_name} нет среди представленных: сканируются документы пакета",
            "{code_name} құжаты ұсынылғандардың арасында жоқ: топтаманың құжаттары сканерленеді",
            "The document {code_name} was not presented: scan the documents of the package",
        ),
        "SCANS_MISSING": Texts(
            "Не отсканированы документы: {documents}",
            "Құжаттар сканерленбеген: {documents}",
            "These documents are not scanned yet: {documents}",
        ),
        # --- any step ---
        "MACHINERY_WRONG_STEP": Texts(
            "Действие недоступно: заявление в состоянии {status_name}",
            "Әрекет қолжетімсіз: өтініш {status_name} күйінде",
            "Not possible now: the application is {status_name}",
        ),
        "MACHINERY_APPLICATION_NOT_FOUND": Texts(
            "Заявление № {number} не найдено",
            "№ {number} өтініш табылмады",
            "Application No {number} is not found",
        ),
        "SCAN_NOT_FOUND": Texts(
            "Скан документа {code_name} не найден",
            "{code_name} құжатының сканері табылмады",
            "No scan of the document {code_name}",
        ),
        # --- the provider (M10–M15) ---
        "MACHINERY_CHECKS_FAILED": Texts(
            "Одобрить нельзя: не пройдены проверки {checks}; сформируйте мотивированный отказ",
            "Мақұлдау мүмкін емес: {checks} тексерулерінен өтпеді; дәлелді бас тарту "
            "қалыптастырыңыз",
            "Cannot approve: the checks {checks} failed; form a motivated refusal",
        ),
        "PROVIDER_REASON_REQUIRED": Texts(
            "Отказ должен быть мотивирован: укажите причину",
            "Бас тарту дәлелді болуы керек: себебін көрсетіңіз",
            "A refusal must be motivated: give the reason",
        ),
        "PROVIDER_REFUSED": Texts(
            "Отказ услугодателя: {reason}",
            "Көрсетілетін қызметті берушінің бас тартуы: {reason}",
            "Refused by the service provider: {reason}",
        ),
        "APPLICATION_ALTERED": Texts(
            "Заявление отклонено при получении (M3): {reason}",
            "Өтініш алу кезінде қабылданбады (M3): {reason}",
            "The application was rejected on arrival (M3): {reason}",
        ),
        "CHECK_DOCUMENTS_INCOMPLETE": Texts(
            "Пакет неполный или документы недействительны: {documents}",
            "Топтама толық емес немесе құжаттар жарамсыз: {documents}",
            "The package is incomplete or not valid: {documents}",
        ),
        "CHECK_SCANS_ALTERED": Texts(
            "Сканы не совпадают с подписанным заявлением: {documents}",
            "Сканерлер қол қойылған өтінішпен сәйкес емес: {documents}",
            "The scans do not match the signed application: {documents}",
        ),
        "CHECK_MACHINE_PASSPORT_NOT_FOUND": Texts(
            "В ЭПСМ нет паспорта самоходной машины {machine_id}",
            "ЭӨМП-да {machine_id} өздігінен жүретін машинаның паспорты жоқ",
            "ЭПСМ has no passport of the self-propelled machine {machine_id}",
        ),
        "CHECK_MACHINE_PASSPORT_NOT_VALID": Texts(
            "Паспорт машины {machine_id} в ЭПСМ не действует: {status_label}",
            "ЭӨМП-дағы {machine_id} машинасының паспорты жарамсыз: {status_label}",
            "The passport of the machine {machine_id} in ЭПСМ is not in force: {status_label}",
        ),
        "CHECK_MACHINE_OWNER_DIFFERS": Texts(
            "По ЭПСМ собственник машины {machine_id} другой: {owner}",
            "ЭӨМП бойынша {machine_id} машинасының меншік иесі басқа: {owner}",
            "According to ЭПСМ the owner of the machine {machine_id} is another: {owner}",
        ),
        "CHECK_APPLICANT_NAME_DIFFERS": Texts(
            "Данные заявителя изменились в ГБД ФЛ: {name}",
            "Өтініш берушінің деректері ЖТ МДҚ-да өзгерді: {name}",
            "The applicant's data changed in ГБД ФЛ: {name}",
        ),
        "ISSUE_TIME_IN_PAST": Texts(
            "Время выдачи документов должно быть в будущем",
            "Құжаттарды беру уақыты болашақта болуы керек",
            "The time of issue must be in the future",
        ),
        # --- SMS to the applicant (M11, M13) ---
        "SMS_MACHINERY_READY": Texts(
            "Заявление {number}: документы и номерные знаки готовы. Выдача {when}, {place}",
            "{number} өтініш: құжаттар мен нөмірлік белгілер дайын. Беру {when}, {place}",
            "Application {number}: the documents and plates are ready. Issue {when}, {place}",
        ),
        "SMS_MACHINERY_REFUSED": Texts(
            "Заявление {number}: отказ услугодателя. Причина: {reason}",
            "{number} өтініш: көрсетілетін қызметті берушінің бас тартуы. Себебі: {reason}",
            "Application {number}: refused by the provider. Reason: {reason}",
        ),
        "DIGITAL_DOCUMENT_NOT_FOUND": Texts(
            "Цифровой документ не найден",
            "Цифрлық құжат табылмады",
            "The digital document is not found",
        ),
    }
)
