"""ГБД ЮЛ's operations on the gateway's channels."""

from __future__ import annotations

from servicekit.provider import SyncProvider

provider = SyncProvider()
