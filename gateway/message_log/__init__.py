"""The gateway's message log: every request and response, in a hash chain.

Every exchange the channels answer is appended to `message_log` with the digests of its raw
bodies, its bodies as `servicekit.redaction` leaves them (no password ever; ИИН/БИН, names and
phones masked and documents digested unless `keep_clear_text`), status and timings; each record
carries the hash of the one before it, so `GET /admin/log/verify` (and `egov log verify`) proves
the log intact or names the first record that is not. Retention deletes old records from the
head of the chain and keeps the hash of the last one deleted as the new start.

- `chain`: the record, its hash, the check of the chain
- `writer`: the observer on the hot path and the batching writer behind it
- `log`: verify, export, prune, read, and the periodic prune
- `routes`: the admin API under /admin/log
"""

from gateway.message_log.log import MessageLog
from gateway.message_log.routes import router

__all__ = ["MessageLog", "router"]
