"""M6.2, M8: the package of documents as the worker found it, against the action's
checklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import (
    ACTION_NAMES,
    CHECKLISTS,
    Item,
    Presented,
    missing,
)
from frontoffice_service.machinery.desk.schemas import PackageIn
from frontoffice_service.machinery.desk.tickets import visit_over
from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.states import refuse, require_status
from servicekit.errors import StepRefusal
from servicekit.states import set_state


def _names(items: list[Item]) -> dict[str, str]:
    """The items' names joined, in each language (a localised param of a text)."""
    return {lang: ", ".join(getattr(i.names, lang) for i in items) for lang in ("ru", "kk", "en")}


async def check_package(
    session: AsyncSession, app: MachineryApplication, request: PackageIn, now: datetime
) -> MachineryApplication:
    """M6.2: every document of the action's checklist present and valid, or M8: the refusal
    to accept the documents, listing what is missing or not valid."""
    require_status(app, ApplicationStatus.IDENTIFIED, step="M6.2")
    known = {item.code for item in CHECKLISTS[app.action]}
    for index, document in enumerate(request.documents):
        if document.code not in known:
            raise StepRefusal(
                "DOCUMENT_NOT_IN_CHECKLIST",
                step="M6.2",
                field=f"documents[{index}].code",
                code_name=document.code,
                action=ACTION_NAMES[app.action].param(),
            )
    presented = [Presented(d.code, d.present, d.valid) for d in request.documents]
    app.package = [d.model_dump(mode="json") for d in request.documents]
    absent = missing(
        app.action, app.applicant_kind, presented, first_registration=app.first_registration
    )
    if absent:
        refuse(
            app,
            "M8",
            "PACKAGE_INCOMPLETE",
            now,
            documents=_names(absent),
            missing=[i.code for i in absent],
        )
        await visit_over(session, app, now)
        return app
    set_state(app, ApplicationStatus.PACKAGE_ACCEPTED)
    app.updated_at = now
    return app


def presented_codes(app: MachineryApplication) -> list[str]:
    return [d["code"] for d in app.package or [] if d["present"]]
