"""Structured logging (console or JSON) that masks ИИН and БИН everywhere.

Every 12-digit run in a log event — in the message, in any field, in uvicorn's access lines —
is shown as `90051*****18`: enough to tell records apart, not enough to identify a person.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

# A 12-digit number not glued to other digits: ИИН and БИН share this shape.
_TWELVE_DIGITS = re.compile(r"(?<!\d)(\d{5})\d{5}(\d{2})(?!\d)")


def mask_identifiers(text: str) -> str:
    """`900515300018` → `90051*****18`; anything else is left as it is."""
    return _TWELVE_DIGITS.sub(r"\1*****\2", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_identifiers(value)
    if isinstance(value, int) and not isinstance(value, bool) and 10**11 <= value < 10**12:
        return mask_identifiers(str(value))
    if isinstance(value, Mapping):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def mask_processor(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event.items():
        event[key] = _mask(value)
    return event


def configure_logging(*, level: str = "INFO", json: bool = False, mask: bool = True) -> None:
    """Route structlog and the standard library (uvicorn, aio-pika…) through one pipeline."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if mask:
        shared.append(mask_processor)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if json else _identity,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Chatty at INFO (every migration step, every HTTP call, every reconnect): warnings suffice.
    for chatty in ("aiormq", "aio_pika", "alembic", "httpx"):
        logging.getLogger(chatty).setLevel(max(root.level, logging.WARNING))


def _drop_color_message(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # uvicorn sends an ANSI-coloured copy of each message as an extra; the renderer colours.
    event.pop("color_message", None)
    return event


def _identity(_logger: object, _method: str, event: MutableMapping[str, Any]) -> Any:
    return event


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is now, not to the one it was made with (test runners
    swap it; a handler holding a replaced stream writes into a closed file)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass
