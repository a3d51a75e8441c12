"""The act as printed (M17): both copies, each with the heading, the parties, the list of
documents and the two signature blocks."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from frontoffice_service.archive.acts import ACTIONS_RU, COPIES
from frontoffice_service.archive.models import ActStatus, ArchiveAct
from frontoffice_service.machinery.catalogue import Action
from servicekit import pdf
from servicekit.clock import ALMATY
from servicekit.signatures import MalformedCms, describe, read_cms


@dataclass(frozen=True, slots=True)
class _Signature:
    label: str
    by: str | None
    at: datetime | None
    cms: str | None


def _signature_line(signature: _Signature) -> str:
    if signature.cms is None or signature.at is None:
        return f"{signature.label}: не подписано"
    der = base64.b64decode(signature.cms)
    facts = ""
    try:
        certificate = describe(read_cms(der)[0].certificate)
        holder = ", ".join(n for n in (certificate.common_name, certificate.organization) if n)
        facts = f"{holder}; сертификат № {certificate.serial_number}; "
    except MalformedCms:  # НУЦ accepted it, so this is only for a row edited by hand
        pass
    return (
        f"{signature.label}: {facts}ИИН {signature.by}; подписано ЭЦП "
        f"{signature.at.astimezone(ALMATY):%d.%m.%Y %H:%M} (Алматы); "
        f"SHA-256 подписи (CMS) {hashlib.sha256(der).hexdigest()}"
    )


def _listed(applications: list[dict[str, Any]]) -> list[str]:
    """The act's list: each application, then the documents of its paper basis."""
    lines: list[str] = []
    for index, application in enumerate(applications, start=1):
        action = ACTIONS_RU.get(Action(application["action"]), application["action"])
        lines.append(
            f"{index}. Заявление № {application['number']} — {application['applicant']}; "
            f"{action}; техника {application['machineId']}; хранилось по "
            f"{date.fromisoformat(application['keepUntil']):%d.%m.%Y}"
        )
        lines.extend(f"    — {d['name']}" for d in application["documents"])
    return lines


def pdf_document(act: ArchiveAct) -> pdf.Document:
    """The act as printed: both copies, each with the heading, the parties, the list of
    documents and the two signature blocks. Built from the act alone, so the same act gives
    the same bytes."""
    document = act.document
    office, provider = document["office"], document["provider"]
    signatures = [
        _Signature(
            "Услугодатель", act.provider_signed_by, act.provider_signed_at, act.provider_cms
        ),
        _Signature(
            "Руководитель фронт-офиса (заместитель)",
            act.head_signed_by,
            act.head_signed_at,
            act.head_cms,
        ),
    ]
    day = date.fromisoformat(document["date"])
    return pdf.Document(
        title="АКТ ПРИЁМА-ПЕРЕДАЧИ АРХИВНЫХ ДОКУМЕНТОВ",
        subtitle=f"Мұрағат құжаттарын қабылдау-тапсыру актісі № {act.number} от {day:%d.%m.%Y}",
        sections=[
            pdf.Section(
                "Стороны",
                [
                    ("Передаёт (фронт-офис)", f"{office['name']}, {office['address']}"),
                    (
                        "Принимает (услугодатель)",
                        f"{provider['name']}, БИН {provider['bin'] or '—'}",
                    ),
                    ("Акт составил (ИИН)", str(provider["drawnUpBy"])),
                    (
                        "Статус акта",
                        "подписан обеими сторонами"
                        if act.status is ActStatus.SIGNED
                        else "ожидает подписей",
                    ),
                ],
            ),
            pdf.Section(
                f"Перечень документов: заявлений {len(document['applications'])}, "
                f"документов {document['documentCount']}",
                lines=_listed(document["applications"]),
            ),
            pdf.Section("Подписи", lines=[_signature_line(s) for s in signatures]),
        ],
        created_at=act.created_at,
        footer=(
            "Документы — основание заявлений о регистрации сельхозтехники, хранившиеся в ЦОН "
            "один месяц (шаги M16–M17).",
            "Эмулятор egov-bus: документ не имеет юридической силы.",
        ),
        keywords=[act.number, act.office],
        copies=COPIES,
    )


def render_pdf(act: ArchiveAct) -> bytes:
    return pdf.render(pdf_document(act))
