"""What is kept of a body that may carry a person's data: the gateway's request journal and
message log, and every admin view of parked messages, see a body only as `redact` leaves it.

- A sender's password (any member whose name says `password`) is never kept: `***`.
- Unless the gateway keeps clear text (`keep_clear_text`, for a private run):
  - photos and documents — a string that is base64 of at least `BLOB_BYTES` bytes, or of fewer
    bytes among which an ИИН — become `{"sha256": …, "bytes": n}` of the decoded bytes, so a
    record still proves which document went by;
  - personal names (`lastName`, `firstName`…, and the `name` of an object with an `iin`) keep
    the first and last letter of each word, phone numbers their first four and last two digits,
    as an ИИН keeps `90051*****18`;
  - ИИН/БИН — every run of exactly twelve digits, in text, keys and numbers, but the last
    group of a UUID (a message id) — are masked.

Redacting is a pure function of the body (a JSON body is written back by orjson in its own
order), so the same exchange always gives the same record and the hash chain covers what is
shown. A body that needs none of it is kept byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

import orjson

from servicekit.logging import UUID_HEAD, mask_identifiers

HIDDEN = "***"

BLOB_BYTES = 48
"""Decoded size from which a base64 string is a document whatever it holds; shorter ones are
digested only when they hide an ИИН (a 64-character identifier is rarely plain base64)."""

NAME_KEYS = frozenset(
    {
        "lastname",
        "firstname",
        "middlename",
        "surname",
        "givenname",
        "patronymic",
        "fullname",
        "commonname",
        "ownername",
        "buyername",
        "personname",
        "fio",
    }
)
"""Members (lower case) that hold a person's name; `name` does too beside an `iin`."""

_SHORTEST_BLOB = 16
"""Base64 of twelve bytes: no shorter string can hide an ИИН."""

_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_DATA_URI = re.compile(r"data:[\w.+/-]*;base64,")
_WORD = re.compile(r"\w{2,}")

_SHAPE = bytes(0x39 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
"""Every ASCII digit as `9`, every other byte as a space."""
_TWELVE_DIGITS = b"9" * 12
_UUID_HEAD = re.compile(UUID_HEAD.encode())
_BLOB_SHAPE = bytes(
    0x62 if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/") else 0x20 for b in range(256)
)
"""Every character of standard base64 as `b`, every other byte as a space. Not `-` and `_`:
every envelope has UUIDs, and a base64url document has long runs without them anyway."""
_BLOB_RUN = b"b" * _SHORTEST_BLOB
_LONG_BLOB = BLOB_BYTES * 4 // 3
_CLUES = (b'name"', b'phone"', b'mobile"', b'patronymic"', b'fio"')
"""Bytes (in a lower-cased body) without which a JSON body holds no name or phone member:
checked in C before the body is parsed, because most bodies need no more than their digits
masked and their password hidden."""


def redact(body: bytes, *, clear_text: bool = False) -> bytes:
    """`body` as the journal and the log keep it (see the module)."""
    if not body:
        return body
    lowered = body.lower()
    if b"password" in lowered:
        hidden, count = _PASSWORD_MEMBER.subn(_HIDDEN_MEMBER, body)
        if count != lowered.count(b"password"):
            # A password elsewhere than as the value of a plain member: the walk finds it.
            return _redacted(body if clear_text else mask_digits(body), body, clear_text)
        body = hidden
    if clear_text:
        return body
    masked = mask_digits(body)
    if _needs_walk(masked, lowered) or _bare_masked_number(masked):
        return _redacted(masked, body, clear_text)
    return masked


def _redacted(text: bytes, original: bytes, clear_text: bool, *, digits: bool = False) -> bytes:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        if text is not original:
            # A twelve-digit number, masked, is no JSON: walk the original, masking as it goes.
            return _redacted(original, original, clear_text, digits=True)
        return _as_text(text, clear_text)
    try:
        return orjson.dumps(_Redactor(clear_text=clear_text, digits=digits).value(document))
    except RecursionError:
        return _as_text(text, clear_text)  # nested deeper than Python recurses


def _as_text(text: bytes, clear_text: bool) -> bytes:
    """A body redacted without reading it as JSON (a SOAP envelope, say): a password it spells
    out, as a JSON member or an XML element, still goes."""
    text = _PASSWORD_MEMBER.sub(_HIDDEN_MEMBER, text if clear_text else mask_digits(text))
    return _PASSWORD_ELEMENT.sub(rb"\1***", text)


_PASSWORD_MEMBER = re.compile(
    rb'("[^"\\]*password[^"\\]*")\s*:\s*(?:"(?:[^"\\]|\\.)*"|[^\s,}\]{\["]+)', re.IGNORECASE
)
"""A member whose name says password, with a string or scalar value."""
_HIDDEN_MEMBER = rb'\1:"***"'
_PASSWORD_ELEMENT = re.compile(rb"(<(?:[\w.-]+:)?password\b[^>]*>)[^<]*", re.IGNORECASE)
"""An XML element named password (any prefix), up to its first child or end tag."""


def _bare_masked_number(masked: bytes) -> bool:
    """Whether an ИИН masked as bytes may have been a JSON number (`"n": 90051*****05` is no
    JSON): one between `:`, `[` or `,` and `,`, `]` or `}`. Text that only looks so is just
    redacted the slow way."""
    star = masked.find(b"*****")
    while star >= 0:
        before, after = star - 6, star + 7
        while before >= 0 and masked[before] in _BLANK:
            before -= 1
        while after < len(masked) and masked[after] in _BLANK:
            after += 1
        if masked[before : before + 1] in _OPENING and masked[after : after + 1] in _CLOSING:
            return True
        star = masked.find(b"*****", star + 5)
    return False


_BLANK = b" \t\r\n"
_OPENING = (b":", b"[", b",")
_CLOSING = (b",", b"]", b"}")


def _needs_walk(body: bytes, lowered: bytes) -> bool:
    if any(clue in lowered for clue in _CLUES):
        return True
    shape = body.translate(_BLOB_SHAPE)
    start = shape.find(_BLOB_RUN)
    while start >= 0:
        end = shape.find(b" ", start)
        end = len(shape) if end < 0 else end
        if end - start >= _LONG_BLOB or _hides_identifier(body[start:end]):
            return True
        start = shape.find(_BLOB_RUN, end)
    return False


def _hides_identifier(run: bytes) -> bool:
    try:
        raw = base64.b64decode(run, validate=True)
    except (binascii.Error, ValueError):
        return False
    return raw.translate(_SHAPE).find(_TWELVE_DIGITS) >= 0


_OTHER, _PASSWORD, _NAME, _PHONE = range(4)
_KINDS: dict[str, int] = {}
"""Member name → what it holds, remembered: bodies repeat the same few hundred names."""


def _kind(key: str) -> int:
    kind = _KINDS.get(key)
    if kind is None:
        lower = key.lower()
        kind = (
            _PASSWORD
            if "password" in lower
            else _NAME
            if lower in NAME_KEYS
            else _PHONE
            if "phone" in lower or lower == "mobile"
            else _OTHER
        )
        if len(_KINDS) < 10_000:
            _KINDS[key] = kind
    return kind


class _Redactor:
    """The walk over a parsed body; written for speed, as it runs for every body that holds a
    name, a phone or a document (a person's lookup: on the gateway's busiest path)."""

    def __init__(self, *, clear_text: bool, digits: bool) -> None:
        self.clear_text = clear_text
        self.digits = digits
        """Mask ИИН/БИН while walking (when the body could not be masked as bytes first)."""

    def value(self, item: Any) -> Any:
        kind = type(item)
        if kind is dict:
            return self.members(item)
        if kind is list:
            return [self.value(v) for v in item]
        if self.clear_text:
            return item
        if kind is str:
            return self.text(item)
        if self.digits and kind in (int, float):
            text = str(item)
            masked = mask_identifiers(text)
            return item if masked == text else masked
        return item

    def text(self, text: str) -> Any:
        if len(text) >= _SHORTEST_BLOB:
            found = _digest(text)
            if found is not None:
                return found
        return mask_identifiers(text) if self.digits else text

    def members(self, item: dict[str, Any]) -> dict[str, Any]:
        person = "iin" in item
        out: dict[str, Any] = {}
        for key, value in item.items():
            kind = _KINDS.get(key)
            if kind is None:
                kind = _kind(key)
            if kind == _PASSWORD:
                kept: Any = HIDDEN
            elif type(value) is not str or self.clear_text:
                kept = self.value(value)
            elif kind == _NAME or (person and key == "name"):
                kept = mask_name(value)
            elif kind == _PHONE:
                kept = mask_phone(value)
            else:
                kept = self.text(value)
            out[mask_identifiers(key) if self.digits else key] = kept
        return out


def mask_name(name: str) -> str:
    """`Абдрахманов Бауыржан` → `А*********в Б******н`: a word keeps its first and last letter."""
    return _WORD.sub(_mask_word, name)


def _mask_word(match: re.Match[str]) -> str:
    word = match[0]
    return word[0] + "*" * (len(word) - 2) + word[-1] if len(word) > 2 else word[0] + "*"


def mask_phone(phone: str) -> str:
    """`+77011234567` → `+7701*****67`: the first four and the last two digits stay."""
    last = sum(c.isdigit() for c in phone) - 2
    seen = 0
    out = []
    for char in phone:
        if char.isdigit():
            seen += 1
            if 4 < seen <= last:
                char = "*"
        out.append(char)
    return "".join(out)


def _digest(text: str) -> dict[str, Any] | None:
    """`{"sha256", "bytes"}` of the bytes `text` encodes, if it is a photo or a document."""
    prefix = _DATA_URI.match(text) if text.startswith("data:") else None
    encoded = text[prefix.end() :] if prefix else text
    if (
        len(encoded) < _SHORTEST_BLOB
        or len(encoded) % 4
        or _is_uuid(encoded)
        or not _BASE64.fullmatch(encoded)
        or _HEX.fullmatch(encoded)  # a digest or a number, not a document
    ):
        return None
    try:
        url_safe = "-" in encoded or "_" in encoded
        raw = base64.b64decode(encoded, altchars=b"-_" if url_safe else None, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < BLOB_BYTES and raw.translate(_SHAPE).find(_TWELVE_DIGITS) < 0:
        return None
    return {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


def _is_uuid(text: str) -> bool:
    # Base64url in shape, and in every envelope: told apart before any regex runs.
    return len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-"


def mask_digits(raw: bytes) -> bytes:
    """`servicekit.logging.mask_identifiers` on bytes: each run of exactly twelve digits
    (ИИН, БИН) but a UUID's last group becomes `90051*****18`.

    The same result as the kit's regex for ASCII digits, the only ones an ИИН has, at a fraction
    of its cost (≈1 µs against ≈10 µs for a 400-byte body): the runs are found in C by
    `translate` and `find` instead of by trying a pattern at every character. Every body the
    gateway answers is masked on its event loop, so this is the records' main cost.
    """
    shape = raw.translate(_SHAPE)
    start = shape.find(_TWELVE_DIGITS)
    if start < 0:
        return raw
    masked = bytearray(raw)
    while start >= 0:
        # Searching from a non-digit, the first hit is where a run of twelve or more begins.
        end = shape.find(b" ", start)
        end = len(shape) if end < 0 else end
        if end - start == 12 and not _UUID_HEAD.fullmatch(raw, max(0, start - 24), start):
            masked[start + 5 : start + 10] = b"*****"
        start = shape.find(_TWELVE_DIGITS, end)
    return bytes(masked)


def shown(body: bytes, *, clear_text: bool = False) -> Any:
    """`body` redacted, for an admin view: its JSON, or its text when it is not JSON."""
    kept = redact(body, clear_text=clear_text)
    try:
        return orjson.loads(kept)
    except orjson.JSONDecodeError:
        return kept.decode("utf-8", "replace")
