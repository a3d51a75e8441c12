"""V19, the printing centre (ИПЦ): makes the СРТС of an approved application — as data and as a
PDF — keeps it as the owner's digital document, and tells the chosen ЦОН that the СРТС and the
plate wait there (`registration.documents_ready`), the owner in the cabinet and by SMS.

Numbers: a series of two letters per region and eight digits, the next number of the series
taken by one UPDATE (this project's model: the real numbering is not published).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog

from registration_service.models import Application, Certificate
from registration_service.portal import Portal
from registration_service.repository import CertificateRepository
from registration_service.states import State
from servicekit import pdf
from servicekit.clock import ALMATY
from servicekit.events import DocumentsReady
from servicekit.labels import label
from servicekit.messages import Texts
from servicekit.service_centres import service_centre
from servicekit.states import set_state

log = structlog.get_logger(__name__)

SERIES = {"02": "AL", "10": "KS"}
"""СРТС series per region code (Almaty city, Kostanay region)."""

PLATE_TYPES: dict[str, Texts] = {
    "STANDARD": Texts("тип 1, 520 × 112 мм", "1 үлгі, 520 × 112 мм", "type 1, 520 × 112 mm"),
    "SQUARE": Texts("тип 1А, 290 × 170 мм", "1А үлгі, 290 × 170 мм", "type 1A, 290 × 170 mm"),
}
"""The plate types of V15 (schemas.PlateType) as the СРТС prints them."""
ENGINE_TYPES: dict[str, Texts] = {
    "PETROL": Texts("бензиновый", "бензинді", "petrol"),
    "DIESEL": Texts("дизельный", "дизельді", "diesel"),
    "GAS": Texts("газовый", "газды", "gas"),
    "HYBRID": Texts("гибридный", "гибридті", "hybrid"),
    "ELECTRIC": Texts("электрический", "электрлі", "electric"),
}
"""The engine types of an ЭПТС as the СРТС prints them."""


async def print_certificate(portal: Portal, app: Application) -> Certificate | None:
    """Print the СРТС of an application in V19_PRINTING; None when it was printed before (a
    redelivered order changes nothing)."""
    if app.state != State.V19_PRINTING:
        log.info("print order ignored", application=app.number, state=app.state)
        return None
    assert app.region_code is not None
    assert app.buyer_iin is not None
    certificates = CertificateRepository(portal.session)
    series = SERIES.get(app.region_code, "KZ")
    number = f"{series}{await certificates.next_number(series):08d}"
    now = portal.now()
    data = certificate_data(app, number, now.astimezone(ALMATY).date().isoformat())
    certificate = Certificate(
        number=number,
        application_id=app.id,
        owner_iin=app.buyer_iin,
        issued_on=now.astimezone(ALMATY).date(),
        data=data,
        # ≈ 20 ms of fonts and layout: off the event loop, which serves the portal meanwhile.
        pdf=await asyncio.to_thread(pdf.render, _document(data, now)),
        created_at=now,
    )
    certificates.add(certificate)
    app.certificate_number = number
    set_state(app, State.V20_READY_FOR_PICKUP)
    await portal.save(app)
    await _documents_ready(portal, app, data)
    log.info("СРТС printed", application=app.number, certificate=number)
    return certificate


def certificate_data(app: Application, number: str, issued_on: str) -> dict[str, Any]:
    """What the СРТС says: its number and date, the vehicle, the owner, the plate."""
    buyer, vehicle = app.buyer or {}, app.vehicle or {}
    owner = " ".join(
        p for p in (buyer.get("lastName"), buyer.get("firstName"), buyer.get("middleName")) if p
    )
    return {
        "number": number,
        "issuedOn": issued_on,
        "applicationNumber": app.number,
        "plate": app.plate,
        "plateType": app.plate_type,
        "owner": {"iin": app.buyer_iin, "name": owner, "regionCode": buyer.get("regionCode")},
        "vehicle": {
            "vin": app.vin,
            "make": vehicle.get("make"),
            "model": vehicle.get("model"),
            "category": vehicle.get("category"),
            "year": vehicle.get("year"),
            "colour": vehicle.get("colour"),
            "engineType": vehicle.get("engineType"),
            "engineVolumeCc": vehicle.get("engineVolumeCc"),
            "enginePowerKw": vehicle.get("enginePowerKw"),
            "manufacturer": vehicle.get("manufacturer"),
            "passportNumber": vehicle.get("passportNumber"),
        },
        "centreId": app.centre_id,
    }


def _document(data: dict[str, Any], now: datetime) -> pdf.Document:
    owner, vehicle = data["owner"], data["vehicle"]

    def text(value: object) -> str:
        return "—" if value is None else str(value)

    return pdf.Document(
        title="СВИДЕТЕЛЬСТВО О РЕГИСТРАЦИИ ТРАНСПОРТНОГО СРЕДСТВА",
        subtitle=f"Көлік құралын тіркеу туралы куәлік № {data['number']} · "
        f"от {data['issuedOn']} · заявка {data['applicationNumber']}",
        sections=[
            pdf.Section(
                "Государственный регистрационный номерной знак",
                [
                    ("Номер", text(data["plate"])),
                    ("Тип знака", label(PLATE_TYPES, data["plateType"])),
                ],
            ),
            pdf.Section(
                "Транспортное средство",
                [
                    ("VIN", text(vehicle["vin"])),
                    ("Марка, модель", f"{text(vehicle['make'])} {text(vehicle['model'])}"),
                    ("Категория", text(vehicle["category"])),
                    ("Год выпуска", text(vehicle["year"])),
                    ("Цвет", text(vehicle["colour"])),
                    (
                        "Двигатель",
                        f"{label(ENGINE_TYPES, vehicle['engineType'])}, "
                        f"{text(vehicle['engineVolumeCc'])} см³, "
                        f"{text(vehicle['enginePowerKw'])} кВт",
                    ),
                    ("Изготовитель", text(vehicle["manufacturer"])),
                    ("ЭПТС", text(vehicle["passportNumber"])),
                ],
            ),
            pdf.Section(
                "Собственник",
                [("ИИН", text(owner["iin"])), ("ФИО", text(owner["name"]))],
            ),
        ],
        created_at=now,
        footer=(
            "Изготовлено ИПЦ по решению административной полиции (шаг V19).",
            "Эмулятор egov-bus: документ не имеет юридической силы.",
        ),
        keywords=[str(data["number"]), str(data["applicationNumber"])],
    )


async def _documents_ready(portal: Portal, app: Application, data: dict[str, Any]) -> None:
    assert app.centre_id is not None
    assert app.buyer_iin is not None
    assert app.vin is not None
    assert app.plate is not None
    assert app.certificate_number is not None
    await portal.outbox.stage(
        portal.session,
        DocumentsReady(
            occurred_at=portal.now(),
            application_number=app.number,
            application_id=app.id,
            centre_id=app.centre_id,
            owner_iin=app.buyer_iin,
            owner_name=data["owner"]["name"],
            vin=app.vin,
            plate=app.plate,
            certificate_number=app.certificate_number,
        ),
    )
    centre = service_centre(app.centre_id)
    params = {
        "number": app.number,
        "certificate": app.certificate_number,
        "plate": app.plate,
        "centre": {"ru": centre.name, "kk": centre.name_kk, "en": centre.name}
        if centre
        else app.centre_id,
        "address": centre.address if centre else "",
    }
    texts = DOCUMENTS_READY.render(params)
    portal.notify(app, "DOCUMENTS_READY", "V20", texts)
    await portal.sms(app, texts["ru"])


DOCUMENTS_READY = Texts(
    "СРТС {certificate} и номер {plate} готовы: {centre}, {address}. Возьмите удостоверение "
    "личности и номер заявки {number}",
    "{certificate} КҚТК және {plate} нөмірі дайын: {centre}, {address}. Жеке куәлікті және "
    "{number} өтінім нөмірін алыңыз",
    "СРТС {certificate} and plate {plate} are ready: {centre}, {address}. Bring your ID and "
    "application number {number}",
)
