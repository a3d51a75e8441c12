"""Messages inside the portal. The signed application goes to the police desk of its region
(V19), and an approved one to the printing centre (ИПЦ), on the bus: each desk works like the
separate unit it is, and a crash in between loses nothing."""

from __future__ import annotations

from typing import ClassVar

from servicekit.events import Event

SUBMITTED = "registration.submitted"
"""Routing key prefix: `registration.submitted.<region code>`."""
PRINT = "registration.print"


class ApplicationSubmitted(Event):
    """V18 → V19: to the administrative police (УАП ДП) of the ЦОН's region."""

    routing_key: ClassVar[str] = SUBMITTED
    routing_parameter: ClassVar[str | None] = "regionCode"
    application_id: str
    number: str
    region_code: str


class PrintOrdered(Event):
    """V19: the police approved and the plate is issued; the printing centre makes the СРТС."""

    routing_key: ClassVar[str] = PRINT
    application_id: str
    number: str
