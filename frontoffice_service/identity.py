"""Is the visitor who they say they are? The check of an ID against ГБД ФЛ, through the
gateway, at the reception (V20) and again at the issuance desk (V21)."""

from __future__ import annotations

from frontoffice_service.registries import ask
from frontoffice_service.schemas import Identification
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.registries.gbd_fl import GBD_FL, PERSON_BY_IIN, PersonRequest


async def check_visitor(
    gateway: GatewayClient, iin: str, identification: Identification, *, step: str
) -> None:
    """Refuse (`StepRefusal` naming `step`) unless ГБД ФЛ knows a living person with this ИИН
    whose valid identity card is the one shown; a digital document vouches for its holder, so
    it needs the living person only. ГБД ФЛ's refusal of the request is passed on; ГБД ФЛ out
    of reach is a 503 to try again: no check, no decision."""
    number = identification.number  # the schema keeps it to an identity card
    answer = await ask(
        gateway,
        PERSON_BY_IIN,
        PersonRequest(iin=iin),
        step=step,
        fields={"iin": "visitorIin"},
        unavailable="VISITOR_CHECK_UNAVAILABLE",
    )
    person = answer.person
    if not answer.found or person is None:
        raise StepRefusal("VISITOR_NOT_FOUND", step, field="visitorIin", registry=GBD_FL)
    if person.life_status == "DECEASED":
        raise StepRefusal("VISITOR_DECEASED", step, field="visitorIin", registry=GBD_FL)
    if person.life_status != "ALIVE":
        raise StepRefusal("VISITOR_IIN_INVALIDATED", step, field="visitorIin", registry=GBD_FL)
    if number is not None and not any(
        d.type == "ID_CARD" and d.number == number and d.status == "VALID" for d in person.documents
    ):
        raise StepRefusal(
            "VISITOR_ID_CARD_MISMATCH",
            step,
            field="identification.number",
            registry=GBD_FL,
            number=number,
        )
