"""The VIN registration's desks (V1–V19): the dealer's, the buyer's cabinet, the police
officer's. Each reads and acts through the portal's REST API (`registration_service`) with the
token of the person signed in by ЭЦП (`desks.login`); every signature is made by the page
through NCALayer."""

from fastapi import APIRouter

from desks.texts import add
from desks.vin import cabinet, dealer, police, texts

router = APIRouter(include_in_schema=False)
add(texts.LABELS)
for room in (dealer, cabinet, police):
    router.include_router(room.router)
