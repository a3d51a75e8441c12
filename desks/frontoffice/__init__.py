"""The desks of `frontoffice_service` (ИИС ЦОН 2.0): the ЦОН operator's (`/tson`: the queue,
the pick-up V20–V22, the machinery application M5–M9, the head's signature M17), the akimat
officer's (`/akimat`, АРМ ГО: M10–M17) and the testers' SMS inbox (`/sms`). Each acts through
the service's public API with the token of the person signed in by ЭЦП (`desks.login`)."""

from fastapi import APIRouter

from desks.frontoffice import akimat, sms, texts, tson
from desks.texts import add

router = APIRouter(include_in_schema=False)
add(texts.LABELS)
for room in (tson, akimat, sms):
    router.include_router(room.router)
