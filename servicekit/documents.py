"""The canonical bytes of a document that someone signs, and their digest.

One form everywhere (JSON, keys sorted, UTF-8, no spaces), so that a signature made over what
one service shows verifies over what another service rebuilds from the same data, and a digest
taken at one end of the bus equals the one taken at the other (M3).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson


def canonical(content: dict[str, Any]) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def sha256(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
