"""Structured logging (console or JSON) that masks ИИН, БИН and secrets everywhere.

Masking runs on the rendered line — the message, every field, uvicorn's access lines and the
traceback of an error alike — so nothing reaches the log that a processor did not look at:
every 12-digit run is shown as `90051*****18` (enough to tell records apart, not enough to
identify a person), and bearer tokens, JWTs and the values of password, secret and token fields
as `***`. Tracebacks are plain and bounded: the frames' local variables are never rendered (they
hold whatever the request carried), and a huge exception message is cut.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import ExcInfo

UUID_HEAD = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
"""What stands before a UUID's last group, twelve hex digits that are all decimal in one UUID
of about 280: that group is an identifier of a message, not of a person."""

# A 12-digit number not glued to other digits, nor a UUID's last group: ИИН and БИН share
# this shape.
_TWELVE_DIGITS = re.compile(rf"(?<!\d)(?<!{UUID_HEAD})(\d{{5}})\d{{5}}(\d{{2}})(?!\d)")


def mask_identifiers(text: str) -> str:
    """`900515300018` → `90051*****18`; anything else is left as it is."""
    return _TWELVE_DIGITS.sub(r"\1*****\2", text)


# A bearer token, or a JWT wherever it stands (three base64url parts, the first a JSON header).
_TOKENS = re.compile(r"(?i)(\bbearer\s+)[\w.~+/=-]+|\beyJ[\w-]*\.[\w-]+\.[\w-]*")
# The value of a field whose name says it is secret, as `name=value`, `name: value`, a repr's
# `name='value'` or JSON's `"name": "value"` — also as JSON inside a JSON string (`\"`), and
# with the console's colour codes around name and value.
_SECRET_FIELDS = re.compile(
    r"""(?ix)
    (?P<name> (?:password|passwd|secret|token)s?\b (?:\x1b\[[\d;]*m)* \\*["']?
              \s*[:=]\s* (?:\x1b\[[\d;]*m)* )
    (?: (?P<open>\\+") .*? (?P=open)      # a string inside an escaped string
      | (?P<dq>") (?:\\.|[^"\\])* "      # a JSON or repr string
      | (?P<sq>') [^']* '                 # a repr string
      | [^\s"',;)}\]\x1b]+                 # bare
    )
    """
)


def mask_secrets(text: str) -> str:
    """Bearer tokens, JWTs and the values of password, secret and token fields → `***`."""
    # Most lines hold none of these words: a look for them is far cheaper than the patterns.
    lowered = text.lower()
    if "bearer" in lowered or "eyJ" in text:
        text = _TOKENS.sub(lambda m: f"{m[1] or ''}***", text)
    if any(word in lowered for word in _SECRET_WORDS):
        text = _SECRET_FIELDS.sub(_masked_field, text)
    return text


_SECRET_WORDS = ("password", "passwd", "secret", "token")


def _masked_field(match: re.Match[str]) -> str:
    quote = match["open"] or match["dq"] or match["sq"] or ""
    return f"{match['name']}{quote}***{quote}"


def _identifiers_as_text(value: Any) -> Any:
    # A 12-digit int would render as a bare JSON number, which masking would turn into
    # something that is not JSON; as a string it is masked like any other.
    if isinstance(value, int) and not isinstance(value, bool) and 10**11 <= value < 10**12:
        return str(value)
    if isinstance(value, Mapping):
        return {k: _identifiers_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_identifiers_as_text(v) for v in value]
    return value


def _stringify_identifiers(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event.items():
        event[key] = _identifiers_as_text(value)
    return event


def _mask_rendered(_logger: object, _method: str, line: Any) -> str:
    return mask_identifiers(mask_secrets(line))


def _mask_rendered_secrets(_logger: object, _method: str, line: Any) -> str:
    return mask_secrets(line)


_TRACEBACK_LIMIT = 8_000
"""Characters of one rendered exception: enough for the frames that matter, never megabytes."""
_TRACEBACK_LINE_LIMIT = 1_000
"""Characters of one line of it: an exception's message may carry a whole request."""


def format_exception(exc_info: ExcInfo) -> str:
    """A plain traceback without locals; long lines cut, and the whole cut in the middle when
    longer than the limit (the first frames say where the request came in, the last ones and
    the message what failed)."""
    text = "".join(
        _cut(line, _TRACEBACK_LINE_LIMIT) for line in traceback.format_exception(*exc_info)
    )
    return _cut(text, _TRACEBACK_LIMIT)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … {len(text) - 2 * half} characters left out … {text[-half:]}"


def _plain_traceback(sio: TextIO, exc_info: ExcInfo) -> None:
    sio.write("\n" + format_exception(exc_info))


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
        shared.append(_stringify_identifiers)
    # Not ASCII-escaped: an ИИН glued to a Cyrillic word ("ИИН900515300018") must stay
    # recognisable as 12 digits after rendering, not follow a `\u0418`.
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=_plain_traceback
        )
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
            structlog.processors.ExceptionRenderer(format_exception) if json else _identity,
            renderer,
            _mask_rendered if mask else _mask_rendered_secrets,
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
