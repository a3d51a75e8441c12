"""How an application changes state: a motivated refusal that ends it, and the refusal of an
action the application is not at the step of. Both desks (the front office's and the
provider's) use them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic.alias_generators import to_camel

from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from servicekit.errors import StepRefusal
from servicekit.messages import texts_for
from servicekit.states import set_state


def refuse(app: MachineryApplication, step: str, code: str, now: datetime, **params: Any) -> None:
    """End the application with a motivated refusal: the step, the code, the texts."""
    texts = texts_for(code).render(params)
    set_state(app, ApplicationStatus.REFUSED)
    app.refusal = {"step": step, "code": code, "messages": texts, **_jsonable(params)}
    app.updated_at = now


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    # Localised params are already in the texts; the rest are facts worth keeping, named as
    # the rest of the contract names things.
    return {
        to_camel(k): v for k, v in params.items() if isinstance(v, str | int | float | bool | list)
    }


def require_status(app: MachineryApplication, status: ApplicationStatus, *, step: str) -> None:
    if app.status is not status:
        raise wrong_step(app, step)


def wrong_step(app: MachineryApplication, step: str) -> StepRefusal:
    """409: the application is not at the step this action belongs to."""
    return StepRefusal(
        "MACHINERY_WRONG_STEP",
        step=step,
        status=409,
        extra={"status": app.status.value},
        status_name=app.status.value,
    )
