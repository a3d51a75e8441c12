"""The stable codes of ИИС ЦОН 2.0 — every room's: the queue, the pick-up, the machinery desk,
the provider's desk and its registry, the archive — with their ru/kk/en texts, the one place of
the service's problem texts. The package imports this module (`frontoffice_service/__init__`),
so every process that serves the codes knows their texts.

A room refuses with the kit's `servicekit.errors.StepRefusal`, naming its step (V20, M6.1…)
and, when a registry's answer decided it, the registry; a registry's own refusal is passed on
as `servicekit.registries.base.RelayedRefusal`.
"""

from __future__ import annotations

from servicekit.messages import Texts, register

register(
    {
        # Who may work at which office (M3)
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
        # The visitor in ГБД ФЛ (V20, V21)
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
        # Documents ready for pick-up (V20–V22)
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
        # The electronic queue (V20, M5)
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
        # The machinery pilot (M4)
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
        # Scans of the documents (M6.4)
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
        # НУЦ out of reach
        "SIGNATURE_CHECK_UNAVAILABLE": Texts(
            "НУЦ сейчас недоступен, подпись проверить нельзя: повторите через минуту",
            "ҰКО қазір қолжетімсіз, қолтаңбаны тексеру мүмкін емес: бір минуттан кейін қайталаңыз",
            "НУЦ cannot be reached, so the signature cannot be checked: try again in a minute",
        ),
        # M5
        "TICKET_NOT_SUBMISSION": Texts(
            "Талон {ticket} выдан не на подачу документов: выдайте талон на подачу",
            "{ticket} талоны құжаттарды тапсыруға берілмеген: тапсыру талонын беріңіз",
            "Ticket {ticket} is not a submission ticket: issue a submission ticket",
        ),
        # M6.1, M7
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
        # M6.2, M8
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
        # M6.3
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
        # M6.4
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
        # Any step
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
        # The provider (M10–M15)
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
        # SMS to the applicant (M11, M13)
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
        # The provider's machinery registry: M10.3 (a failed check) and M12 (a refusal)
        "MACHINE_ALREADY_REGISTERED": Texts(
            "Машина {machine_id} уже состоит на учёте (номерной знак {plate}): повторно "
            "зарегистрировать её нельзя",
            "{machine_id} машинасы есепте тұр (нөмірлік белгісі {plate}): оны қайта тіркеуге "
            "болмайды",
            "The machine {machine_id} is already registered (plate {plate}): it cannot be "
            "registered again",
        ),
        "MACHINE_NOT_REGISTERED": Texts(
            "Машина {machine_id} не найдена в реестре техники: ни на учёте, ни в архиве",
            "{machine_id} машинасы техника тізілімінде табылмады: есепте де, мұрағатта да жоқ",
            "The machine {machine_id} is not in the machinery registry: neither registered nor "
            "in the archive",
        ),
        "MACHINE_DEREGISTERED": Texts(
            "Машина {machine_id} снята с учёта и находится в архиве данных",
            "{machine_id} машинасы есептен шығарылған және деректер мұрағатында тұр",
            "The machine {machine_id} was deregistered and is in the data archive",
        ),
        "MACHINE_IN_OTHER_REGION": Texts(
            "Машина {machine_id} состоит на учёте в регионе {machine_region}, а не в регионе "
            "{region} этого акимата",
            "{machine_id} машинасы осы әкімдіктің {region} өңірінде емес, {machine_region} "
            "өңірінде есепте тұр",
            "The machine {machine_id} is registered in region {machine_region}, not in this "
            "akimat's region {region}",
        ),
        "REGISTRY_PLATE_UNKNOWN": Texts(
            "Номерной знак {plate} не найден в реестре техники: ни на учёте, ни в архиве",
            "{plate} нөмірлік белгісі техника тізілімінде табылмады: есепте де, мұрағатта да жоқ",
            "The plate {plate} is not in the machinery registry: neither on a machine nor in "
            "the archive",
        ),
        "PLATE_OF_OTHER_MACHINE": Texts(
            "Номерной знак {plate} выдан другой машине, а не машине {machine_id}",
            "{plate} нөмірлік белгісі {machine_id} машинасына емес, басқа машинаға берілген",
            "The plate {plate} belongs to another machine, not to {machine_id}",
        ),
        "PLATE_ARCHIVED": Texts(
            "Номерной знак {plate} снят с машины {machine_id} и находится в архиве; "
            "действующий знак машины: {active_plate}",
            "{plate} нөмірлік белгісі {machine_id} машинасынан алынып, мұрағатта тұр; "
            "машинаның қолданыстағы белгісі: {active_plate}",
            "The plate {plate} was taken off the machine {machine_id} and is in the archive; "
            "the machine's plate now is {active_plate}",
        ),
        "MACHINE_OWNER_MISMATCH": Texts(
            "Машина {machine_id} зарегистрирована не на заявителя: это действие вправе "
            "запросить только её владелец",
            "{machine_id} машинасы өтініш берушіге тіркелмеген: бұл әрекетті тек оның иесі "
            "сұрай алады",
            "The machine {machine_id} is not registered to the applicant: only its owner may "
            "ask for this",
        ),
        "ENTRY_MACHINE_ID_MISMATCH": Texts(
            "Идентификатор машины {entered} не совпадает с указанным в заявлении: {expected}",
            "{entered} машина сәйкестендіргіші өтініштегімен сәйкес келмейді: {expected}",
            "The machine identifier {entered} is not the application's: {expected}",
        ),
        "ENTRY_VIN_CHECK_DIGIT": Texts(
            "VIN {vin}: неверная контрольная цифра (9-й знак {found}, должен быть {expected}); "
            "проверьте, нет ли опечатки",
            "VIN {vin}: бақылау цифры қате (9-таңба {found}, {expected} болуы керек); қате "
            "терілмегенін тексеріңіз",
            "VIN {vin}: wrong check digit (position 9 is {found}, should be {expected}); check "
            "for a typo",
        ),
        "ENTRY_FIELD_REQUIRED": Texts(
            "Введите {what}: он нужен для действия «{action}»",
            "{what} енгізіңіз: ол «{action}» әрекеті үшін қажет",
            "Enter the {what}: the action '{action}' needs it",
        ),
        "ENTRY_FIELD_NOT_ALLOWED": Texts(
            "Для действия «{action}» {what} не вводится",
            "«{action}» әрекеті үшін {what} енгізілмейді",
            "No {what} is entered for the action '{action}'",
        ),
        "MACHINERY_PLATE_FORMAT": Texts(
            "Номерной знак техники {plate} записан неверно: три буквы серии, буква региона и "
            "три цифры от 001 до 999 (AGR P 001)",
            "{plate} техника нөмірлік белгісі қате жазылған: серияның үш әрпі, өңір әрпі және "
            "001-ден 999-ға дейінгі үш цифр (AGR P 001)",
            "The machinery plate {plate} is malformed: three series letters, the region's "
            "letter and three digits 001 to 999 (AGR P 001)",
        ),
        "MACHINERY_PLATE_REGION": Texts(
            "Номерной знак {plate} не этого региона: техника региона {region} получает знаки "
            "с буквой {expected}",
            "{plate} нөмірлік белгісі бұл өңірдікі емес: {region} өңірінің техникасына {expected} "
            "әрпі бар белгілер беріледі",
            "The plate {plate} is not of this region: machines of region {region} get plates "
            "with the letter {expected}",
        ),
        "PLATE_ALREADY_IN_REGISTRY": Texts(
            "Номерной знак {plate} уже есть в реестре техники ({plate_status}): знак, бывший "
            "в учёте, повторно не выдаётся",
            "{plate} нөмірлік белгісі техника тізілімінде бар ({plate_status}): есепте болған "
            "белгі қайта берілмейді",
            "The plate {plate} is already in the machinery registry ({plate_status}): a plate "
            "once used is never given again",
        ),
        "TECHNICAL_PASSPORT_TAKEN": Texts(
            "Технический паспорт {number} уже есть в реестре техники: введите номер нового бланка",
            "{number} техникалық паспорты техника тізілімінде бар: жаңа бланкінің нөмірін "
            "енгізіңіз",
            "The technical passport {number} is already in the machinery registry: enter the "
            "number of the new form",
        ),
        "REGISTRY_ENTRY_CONFLICT": Texts(
            "Реестр техники изменился во время ввода (по этой машине внесено другое "
            "заявление): проверьте машину заново",
            "Енгізу кезінде техника тізілімі өзгерді (осы машина бойынша басқа өтініш "
            "енгізілді): машинаны қайта тексеріңіз",
            "The machinery registry changed during the entry (another application for this "
            "machine was entered): check the machine again",
        ),
        "BMG_PLATE_NOT_FREE": Texts(
            "Номер {plate} не свободен в банке номеров (БМГ): его состояние {bmg_status}; "
            "выберите свободный номер",
            "{plate} нөмірі нөмірлер банкінде (БМГ) бос емес: оның күйі {bmg_status}; бос "
            "нөмірді таңдаңыз",
            "The plate {plate} is not free in the number bank (БМГ): it is {bmg_status}; "
            "choose a free one",
        ),
        "BMG_PLATE_REFUSED": Texts(
            "Банк номеров (БМГ) отказал в выдаче номера {plate}: {reason}",
            "Нөмірлер банкі (БМГ) {plate} нөмірін беруден бас тартты: {reason}",
            "The number bank (БМГ) refused to issue the plate {plate}: {reason}",
        ),
        "PLATE_CHECK_UNAVAILABLE": Texts(
            "Банк номеров (БМГ) сейчас недоступен: номер нельзя ни проверить, ни выдать; "
            "повторите через минуту",
            "Нөмірлер банкі (БМГ) қазір қолжетімсіз: нөмірді тексеру де, беру де мүмкін емес; "
            "бір минуттан кейін қайталаңыз",
            "The number bank (БМГ) cannot be reached: the plate can be neither checked nor "
            "issued; try again in a minute",
        ),
        # The archive (M16–M17)
        "PROVIDER_OFFICE_FORBIDDEN": Texts(
            "ЦОН {office} не относится к региону вашего акимата ({region}): его архив "
            "принимает услугодатель своего региона",
            "{office} ХҚКО сіздің әкімдігіңіздің өңіріне ({region}) жатпайды: оның мұрағатын "
            "өз өңірінің көрсетілетін қызметті берушісі қабылдайды",
            "ЦОН {office} is not in your akimat's region ({region}): its archive is taken by "
            "the provider of its own region",
        ),
        "ARCHIVE_NOTHING_DUE": Texts(
            "В ЦОН {office} нет документов, месяц хранения которых истёк и которые ещё не "
            "внесены в акт приёма-передачи",
            "{office} ХҚКО-да бір айлық сақтау мерзімі өткен және қабылдау-тапсыру актісіне "
            "әлі енгізілмеген құжаттар жоқ",
            "ЦОН {office} keeps no documents whose month is over and that are not yet in an "
            "acceptance act",
        ),
        "ARCHIVE_NOT_DUE_YET": Texts(
            "Документы заявления № {application} хранятся в ЦОН по {keep_until} включительно: "
            "передать их можно с {leave_from}",
            "№ {application} өтініштің құжаттары ХҚКО-да {keep_until} қоса алғанда сақталады: "
            "оларды {leave_from} бастап тапсыруға болады",
            "The documents of application No {application} stay at the ЦОН through "
            "{keep_until}: they may leave from {leave_from}",
        ),
        "ARCHIVE_ACT_NOT_FOUND": Texts(
            "Акт приёма-передачи архива {act_id} не найден",
            "{act_id} мұрағатты қабылдау-тапсыру актісі табылмады",
            "The archive acceptance act {act_id} was not found",
        ),
        "ARCHIVE_ACT_ALREADY_SIGNED": Texts(
            "Акт приёма-передачи № {number} уже подписан {party}",
            "№ {number} қабылдау-тапсыру актісіне {party} қол қойып қойған",
            "Acceptance act No {number} is already signed by {party}",
        ),
    }
)
