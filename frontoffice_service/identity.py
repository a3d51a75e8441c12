"""Is the visitor who they say they are? The check of an ID against ГБД ФЛ, through the
gateway, at the reception (V20) and again at the issuance desk (V21)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from frontoffice_service.problems import GBD_FL, Refusal
from frontoffice_service.registries import ask
from frontoffice_service.schemas import Identification
from servicekit.gateway_client import GatewayClient

PERSON_BY_IIN = "GBDFL_UniversalServiceSync"


class _Answer(BaseModel):
    """The part of ГБД ФЛ's answer the check reads; whatever else the registry adds is
    ignored, so its contract can grow without breaking the desk."""

    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")


class _Document(_Answer):
    type: str
    number: str
    status: str


class _Person(_Answer):
    life_status: str
    documents: list[_Document]


class _PersonAnswer(_Answer):
    found: bool
    person: _Person | None = None


async def check_visitor(
    gateway: GatewayClient, iin: str, identification: Identification, *, step: str
) -> None:
    """Refuse (`Refusal` naming `step`) unless ГБД ФЛ knows a living person with this ИИН
    whose valid identity card is the one shown; a digital document vouches for its holder, so
    it needs the living person only. ГБД ФЛ's refusal of the request is passed on; ГБД ФЛ out
    of reach is a 503 to try again: no check, no decision."""
    number = identification.number  # the schema keeps it to an identity card
    data = await ask(
        gateway,
        PERSON_BY_IIN,
        {"iin": iin},
        registry=GBD_FL,
        step=step,
        fields={"iin": "visitorIin"},
        unavailable="VISITOR_CHECK_UNAVAILABLE",
    )
    answer = _PersonAnswer.model_validate(data)
    person = answer.person
    if not answer.found or person is None:
        raise Refusal("VISITOR_NOT_FOUND", step=step, field="visitorIin", registry=GBD_FL)
    if person.life_status == "DECEASED":
        raise Refusal("VISITOR_DECEASED", step=step, field="visitorIin", registry=GBD_FL)
    if person.life_status != "ALIVE":
        raise Refusal("VISITOR_IIN_INVALIDATED", step=step, field="visitorIin", registry=GBD_FL)
    if number is not None and not any(
        d.type == "ID_CARD" and d.number == number and d.status == "VALID" for d in person.documents
    ):
        raise Refusal(
            "VISITOR_ID_CARD_MISMATCH",
            step=step,
            field="identification.number",
            registry=GBD_FL,
            number=number,
        )
