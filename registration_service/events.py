"""Messages inside the portal: the application goes to the police desk of its region (V19),
and an approved one to the printing centre (ИПЦ). Both travel on the bus, so the desk and the
printer work like the separate units they are, and a crash between them loses nothing."""

from __future__ import annotations

from typing import ClassVar

from servicekit.events import Event

SUBMITTED = "registration.submitted"
"""Routing key prefix: `registration.submitted.<region code>`."""
PRINT_JOBS = "registration.print"


class ApplicationSubmitted(Event):
    """V18 → V19: to the administrative police (УАП ДП) of the ЦОН's region."""

    routing_key: ClassVar[str] = SUBMITTED
    application_id: str
    number: str
    region_code: str


class PrintRequested(Event):
    """V19: approved and the plate issued; ИПЦ prints the СРТС."""

    routing_key: ClassVar[str] = PRINT_JOBS
    application_id: str
    number: str
