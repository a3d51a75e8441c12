"""What the desks' routes take from the app, as typed dependencies: the console's client of
the bus (`DesksBus`), the logins (`desks.login.Logins`, beside the object), and the person
signed in for the state service a desk works with (`PortalPerson` for the VIN desks,
`FrontOfficePerson` for the ЦОН's and the akimat's). A desk with no one signed in raises
`LoginRequired`, which the app answers with the login page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from desks.bus import BusApi
from desks.login import SESSION_COOKIE, Audience, Logins, Person
from desks.settings import Settings
from servicekit.app_state import app_settings, app_state

PORTAL: Audience = "registration_service"
FRONTOFFICE: Audience = "frontoffice_service"

DesksSettings = Annotated[Settings, Depends(app_settings)]


DesksBus = Annotated[BusApi, Depends(app_state("desks_bus"))]
"""The services' public APIs with the bus's admin token (the console, and what a desk does on
behalf of a bank or a registry the bus has no page of)."""


def _portal_person(request: Request, logins: Logins) -> Person:
    return logins.signed_in(request, PORTAL)


PortalPerson = Annotated[Person, Depends(_portal_person)]


def _frontoffice_person(request: Request, logins: Logins) -> Person:
    return logins.signed_in(request, FRONTOFFICE)


FrontOfficePerson = Annotated[Person, Depends(_frontoffice_person)]


def _frontoffice_visitor(request: Request, logins: Logins) -> Person | None:
    return logins.person(request.cookies.get(SESSION_COOKIE), FRONTOFFICE)


MaybeFrontOfficePerson = Annotated[Person | None, Depends(_frontoffice_visitor)]
"""For the pages that need no login (the SMS inbox): whoever is signed in, if anyone."""
