"""Messages inside the portal: the signed application goes to the police desk of its region
(V19) on the bus, so the desk works like the separate unit it is, and a crash in between loses
nothing."""

from __future__ import annotations

from typing import ClassVar

from servicekit.events import Event

SUBMITTED = "registration.submitted"
"""Routing key prefix: `registration.submitted.<region code>`."""


class ApplicationSubmitted(Event):
    """V18 → V19: to the administrative police (УАП ДП) of the ЦОН's region."""

    routing_key: ClassVar[str] = SUBMITTED
    application_id: str
    number: str
    region_code: str
