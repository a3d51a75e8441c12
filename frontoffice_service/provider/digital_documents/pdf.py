"""A digital document as a PDF (M15)."""

from __future__ import annotations

from frontoffice_service.machinery.catalogue import MACHINE_KINDS
from frontoffice_service.provider.digital_documents.models import DigitalDocument
from servicekit import pdf
from servicekit.clock import ALMATY
from servicekit.labels import REGIONS, label

_TITLES = {
    "MACHINE_TECHNICAL_PASSPORT": "Технический паспорт (регистрационный документ) машины",
    "MACHINE_PLATE_CERTIFICATE": "Свидетельство о выдаче государственного номерного знака машины",
    "MACHINE_DEREGISTRATION_CERTIFICATE": "Справка о снятии машины с учёта",
}


def pdf_of(document: DigitalDocument) -> pdf.Document:
    data = document.data
    holder = data.get("holder", {})
    machine = data.get("machine", {})
    return pdf.Document(
        title=_TITLES.get(document.kind, document.kind),
        subtitle=f"«Цифровые документы» · заявление № {data.get('applicationNumber')}",
        sections=[
            pdf.Section(
                "Владелец",
                rows=[
                    ("Наименование / ФИО", str(holder.get("name") or "")),
                    ("ИИН / БИН", str(holder.get("iin") or holder.get("bin") or "")),
                ],
            ),
            pdf.Section(
                "Машина",
                rows=[
                    ("Идентификатор (VIN / заводской №)", str(machine.get("id") or "")),
                    ("Марка, модель", str(machine.get("name") or "—")),
                    ("Год выпуска", str(machine.get("year") or "—")),
                    ("Вид", label(MACHINE_KINDS, machine.get("kind"))),
                    ("Технический паспорт", str(data.get("technicalPassport") or "—")),
                    ("Номерной знак", str(data.get("plate") or "—")),
                    ("Регион", label(REGIONS, data.get("region"))),
                    ("Дата выдачи", str(data.get("issuedOn") or "")),
                ],
            ),
        ],
        created_at=document.issued_at.astimezone(ALMATY),
        keywords=(document.kind, str(data.get("applicationNumber"))),
    )
