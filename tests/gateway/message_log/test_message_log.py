"""The message log: every exchange in a hash chain that proves itself intact or names the first
broken record; masked bodies, retention, export, the admin API and `egov log`.

Through the real bus on SQLite and PostgreSQL; the writer's own behaviour (retrying a failed
batch, a full queue, pruning a prefix) against both databases directly.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from typer.testing import CliRunner

from egov.cli import app as cli
from egov.launcher import BusPlan, free_port
from gateway.exchange import Exchange
from gateway.message_log import MessageLog
from gateway.message_log.chain import START, ChainCheck, document, record_hash
from gateway.message_log.log import Verification
from gateway.message_log.repository import records
from gateway.redaction import body_digest
from gateway.settings import Settings
from servicekit.clock import Clock, bus_clock
from servicekit.db import Database, service_database_url
from servicekit.envelope import SUCCESS
from servicekit.http_clients import async_client
from servicekit.logging import mask_identifiers
from servicekit.redaction import mask_digits
from tests.backends import fresh_postgres
from tests.fixtures.databases import BACKENDS, service_database
from tests.harness import ADMIN, TESTER_PASSWORD, envelope, eventually, running_bus, send

PERSON = "GBDFL_UniversalServiceSync"
IIN = "900515310005"
MASKED_IIN = "90051*****05"
T = TypeVar("T")


@dataclass(frozen=True)
class LoggedBus:
    plan: BusPlan
    database_url: str
    """The gateway's own database, for tampering with the log behind the gateway's back."""

    @property
    def gateway(self) -> str:
        return self.plan.url("gateway")


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def bus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LoggedBus]:
    data_dir = tmp_path_factory.mktemp("bus")
    extra = {"gateway": {"digest_key": DIGEST_KEY}}
    if request.param == "sqlite":
        async with running_bus(data_dir, extra=extra) as plan:
            yield LoggedBus(plan, sqlite_url(data_dir))
    else:
        async with (
            fresh_postgres() as base_url,
            running_bus(data_dir, database_url=base_url, extra=extra) as plan,
        ):
            yield LoggedBus(plan, service_database_url(base_url, "gateway"))


@pytest.fixture(scope="module")
async def tuned_bus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LoggedBus]:
    """Identifiers stored unmasked, and retention checked every 50 ms of real time."""
    data_dir = tmp_path_factory.mktemp("tuned")
    settings = {"keep_clear_text": True, "message_log_prune_check_seconds": 0.05}
    async with running_bus(data_dir, extra={"gateway": settings}) as plan:
        yield LoggedBus(plan, sqlite_url(data_dir))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with async_client(timeout=10) as http:
        yield http


@pytest.fixture
async def direct(bus: LoggedBus) -> AsyncIterator[AsyncEngine]:
    """A connection to the gateway's database that is not the gateway's."""
    engine = create_async_engine(bus.database_url)
    yield engine
    await engine.dispose()


async def logged(client: httpx.AsyncClient, bus: LoggedBus, **params: Any) -> list[dict[str, Any]]:
    reply = await client.get(f"{bus.gateway}/admin/log", params=params, headers=ADMIN)
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()["records"]
    return found


async def record_of(
    client: httpx.AsyncClient, bus: LoggedBus, correlation_id: str, count: int = 1
) -> list[dict[str, Any]]:
    """The `count` records of one correlation, oldest first, once all are committed."""

    async def probe() -> list[dict[str, Any]] | None:
        found = await logged(client, bus, correlationId=correlation_id)
        return found[::-1] if len(found) >= count else None

    return await eventually(probe)


async def verify(client: httpx.AsyncClient, bus: LoggedBus) -> dict[str, Any]:
    reply = await client.get(f"{bus.gateway}/admin/log/verify", headers=ADMIN)
    assert reply.status_code == 200, reply.text
    report: dict[str, Any] = reply.json()
    return report


async def call(
    client: httpx.AsyncClient, bus: LoggedBus, data: Any, service: str = PERSON
) -> tuple[bytes, httpx.Response, str]:
    """One SendMessage with a fresh correlation id: the raw request, the reply, the id."""
    correlation = str(uuid.uuid4())
    raw = orjson.dumps(envelope(service, data, correlationId=correlation))
    reply = await client.post(
        f"{bus.gateway}/bip-sync/SendMessage",
        content=raw,
        headers={"content-type": "application/json"},
    )
    return raw, reply, correlation


DIGEST_KEY = "a key the tester holds"


def digest(raw: bytes) -> str:
    """What the log keeps of a raw body: its HMAC under the gateway's digest key."""
    return body_digest(DIGEST_KEY.encode(), raw)


# --- what is logged -------------------------------------------------------------------------


async def test_a_successful_call_is_logged_with_digests_of_its_raw_bodies(
    bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    raw, reply, correlation = await call(client, bus, {"iin": IIN})
    assert reply.status_code == 200
    [record] = await record_of(client, bus, correlation)
    info = reply.json()["responseInfo"]
    assert record["requestDigest"] == digest(raw)
    assert record["responseDigest"] == digest(reply.content)
    assert (record["channel"], record["operation"]) == ("sync", "SendMessage")
    assert (record["status"], record["code"]) == (200, SUCCESS)
    assert (record["serviceId"], record["senderId"], record["provider"]) == (
        PERSON,
        "tester",
        "gbd_fl",
    )
    assert record["messageId"] == orjson.loads(raw)["requestInfo"]["messageId"]
    assert record["sessionId"] == info["sessionId"]
    assert record["durationMs"] > 0
    assert datetime.fromisoformat(record["recordedAt"]) <= bus_clock.now()


@pytest.mark.parametrize(
    ("data", "service", "status", "code"),
    [
        ({"iin": "900515300019"}, PERSON, 422, "PROVIDER_ERROR"),
        ({"iin": IIN}, "NO_SUCH_SERVICE", 404, "SERVICE_NOT_FOUND"),
    ],
)
async def test_a_fault_is_logged_with_its_status_and_code(
    bus: LoggedBus,
    client: httpx.AsyncClient,
    data: dict[str, str],
    service: str,
    status: int,
    code: str,
) -> None:
    raw, reply, correlation = await call(client, bus, data, service)
    assert reply.status_code == status
    [record] = await record_of(client, bus, correlation)
    assert (record["status"], record["code"], record["serviceId"]) == (status, code, service)
    assert record["requestDigest"] == digest(raw)
    assert record["responseDigest"] == digest(reply.content)
    assert orjson.loads(record["responseBody"])["code"] == code


async def test_a_body_that_is_not_an_envelope_is_logged_too(
    bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    # Letters only: twelve digits in a row would be masked as an ИИН, as they should be.
    unique = uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
    raw = b"<soap:Envelope>" + unique.encode() + b"</soap:Envelope>"
    reply = await client.post(
        f"{bus.gateway}/bip-sync/SendMessage",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert reply.status_code == 400

    async def probe() -> dict[str, Any] | None:
        return next(
            (r for r in await logged(client, bus) if r["requestDigest"] == digest(raw)), None
        )

    record = await eventually(probe)
    assert (record["code"], record["messageId"], record["serviceId"]) == (
        "INVALID_ENVELOPE",
        None,
        None,
    )
    assert record["requestBody"] == raw.decode()
    assert record["responseDigest"] == digest(reply.content)


async def test_identifiers_and_the_password_are_masked_by_default(
    bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    raw, reply, correlation = await call(client, bus, {"iin": IIN})
    assert IIN.encode() in raw
    assert IIN in reply.text
    [record] = await record_of(client, bus, correlation)
    for body in (record["requestBody"], record["responseBody"]):
        assert IIN not in body
        assert MASKED_IIN in body
    assert TESTER_PASSWORD not in record["requestBody"]
    assert orjson.loads(record["requestBody"])["requestInfo"]["sender"]["password"] == "***"
    # The digest is still of what was sent, so whoever holds the key can prove the original
    # against the log; a plain hash would let any reader try the 10^5 ИИН the mask leaves.
    assert record["requestDigest"] == digest(raw)
    assert record["requestDigest"] != hashlib.sha256(raw).hexdigest()


async def test_identifiers_are_stored_unmasked_when_the_setting_says_so(
    tuned_bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    _, _, correlation = await call(client, tuned_bus, {"iin": IIN})
    [record] = await record_of(client, tuned_bus, correlation)
    assert IIN in record["requestBody"]
    assert IIN in record["responseBody"]
    assert TESTER_PASSWORD not in record["requestBody"]


# --- the chain --------------------------------------------------------------------------------


async def test_an_untouched_log_verifies(bus: LoggedBus, client: httpx.AsyncClient) -> None:
    correlations = [(await call(client, bus, {"iin": IIN}))[2] for _ in range(3)]
    await record_of(client, bus, correlations[-1])
    report = await verify(client, bus)
    assert report == {"ok": True, "checked": report["checked"], "firstBroken": None}
    assert report["checked"] >= 3


async def three_records(client: httpx.AsyncClient, bus: LoggedBus) -> list[dict[str, Any]]:
    """Three fresh consecutive records (the last one is the newest of the log)."""
    correlation = str(uuid.uuid4())
    for _ in range(3):
        request = envelope(PERSON, {"iin": IIN}, correlationId=correlation)
        assert (await send(client, bus.plan, request)).status_code == 200
    found = await record_of(client, bus, correlation, 3)
    assert [r["seq"] for r in found] == list(range(found[0]["seq"], found[0]["seq"] + 3))
    return found


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("response_body", '{"responseData":{"data":{"found":false}}}'),
        ("status", 500),
        ("hash", "f" * 64),
    ],
)
async def test_a_tampered_record_is_named(
    bus: LoggedBus, client: httpx.AsyncClient, direct: AsyncEngine, column: str, value: object
) -> None:
    middle = (await three_records(client, bus))[1]["seq"]
    async with direct.begin() as db:
        original = (
            await db.execute(select(records.c[column]).where(records.c.seq == middle))
        ).scalar_one()
        await db.execute(update(records).where(records.c.seq == middle).values({column: value}))
    try:
        report = await verify(client, bus)
        assert report["ok"] is False
        assert report["firstBroken"]["seq"] == middle
        assert report["firstBroken"]["reason"] == "hash mismatch"
    finally:
        async with direct.begin() as db:
            await db.execute(
                update(records).where(records.c.seq == middle).values({column: original})
            )
    assert (await verify(client, bus))["ok"] is True


async def test_a_record_rewritten_with_a_fresh_hash_breaks_the_next_link(
    bus: LoggedBus, client: httpx.AsyncClient, direct: AsyncEngine
) -> None:
    """Whoever recomputes the hash of what they changed still has to rewrite every later record."""
    _, middle, last = await three_records(client, bus)
    async with direct.begin() as db:
        row = dict(
            (await db.execute(select(records).where(records.c.seq == middle["seq"])))
            .mappings()
            .one()
        )
        forged = {**row, "status": 500}
        forged["hash"] = record_hash(row["prev_hash"], document(forged))
        await db.execute(
            update(records)
            .where(records.c.seq == middle["seq"])
            .values(status=500, hash=forged["hash"])
        )
    try:
        broken = (await verify(client, bus))["firstBroken"]
        assert (broken["seq"], broken["reason"]) == (last["seq"], "prev_hash mismatch")
    finally:
        async with direct.begin() as db:
            await db.execute(
                update(records)
                .where(records.c.seq == middle["seq"])
                .values(status=row["status"], hash=row["hash"])
            )
    assert (await verify(client, bus))["ok"] is True


async def test_a_deleted_record_is_detected(
    bus: LoggedBus, client: httpx.AsyncClient, direct: AsyncEngine
) -> None:
    _, middle, last = await three_records(client, bus)
    async with direct.begin() as db:
        row = (
            (await db.execute(select(records).where(records.c.seq == middle["seq"])))
            .mappings()
            .one()
        )
        await db.execute(delete(records).where(records.c.seq == middle["seq"]))
    try:
        report = await verify(client, bus)
        assert report["ok"] is False
        assert report["firstBroken"]["seq"] == last["seq"]
        assert report["firstBroken"]["reason"] == "gap in seq"
    finally:
        async with direct.begin() as db:
            await db.execute(insert(records).values(dict(row)))
    assert (await verify(client, bus))["ok"] is True


# --- export -----------------------------------------------------------------------------------


def verify_offline(lines: list[dict[str, Any]]) -> None:
    """What an auditor without the gateway does: the standard library and the documented rule."""
    for before, line in zip([None, *lines], lines, strict=False):
        doc = {k: v for k, v in line.items() if k not in ("prevHash", "hash")}
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        chained = line["prevHash"].encode() + canonical.encode()
        assert line["hash"] == hashlib.sha256(chained).hexdigest()
        if before is not None:
            assert line["prevHash"] == before["hash"]
            assert line["seq"] == before["seq"] + 1


async def test_export_gives_exactly_the_records_of_the_range(
    bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    start = datetime(2031, 3, 1, tzinfo=UTC)
    bus_clock.freeze(start - timedelta(minutes=1))
    correlations: list[str] = []
    for _ in range(5):
        correlations.append((await call(client, bus, {"iin": IIN}))[2])
        bus_clock.advance(timedelta(seconds=30))
    # Recorded at start-1m, start-30s, start, start+30s, start+1m: the range takes the middle.
    await record_of(client, bus, correlations[-1])
    reply = await client.get(
        f"{bus.gateway}/admin/log/export",
        params={"from": start.isoformat(), "to": (start + timedelta(minutes=1)).isoformat()},
        headers=ADMIN,
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/x-ndjson"
    assert reply.headers["content-disposition"].startswith("attachment; filename=")
    assert "message-log-" in reply.headers["content-disposition"]
    lines = [orjson.loads(line) for line in reply.text.splitlines()]
    assert [line["correlationId"] for line in lines] == correlations[2:4]
    assert all(MASKED_IIN in line["requestBody"] for line in lines)
    verify_offline(lines)


async def test_export_of_an_empty_range_is_empty(bus: LoggedBus, client: httpx.AsyncClient) -> None:
    reply = await client.get(
        f"{bus.gateway}/admin/log/export",
        params={"from": "1999-01-01T00:00:00+05:00", "to": "1999-01-02T00:00:00+05:00"},
        headers=ADMIN,
    )
    assert reply.status_code == 200
    assert reply.content == b""


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        (
            {"from": "2031-01-02T00:00:00Z", "to": "2031-01-01T00:00:00Z"},
            "INVALID_TIME_RANGE",
            "from",
        ),
        ({"from": "2031-01-01T00:00:00", "to": "2031-01-02T00:00:00Z"}, None, "from"),
        ({"from": "yesterday", "to": "2031-01-02T00:00:00Z"}, None, "from"),
        ({"to": "2031-01-02T00:00:00Z"}, "FIELD_REQUIRED", "from"),
    ],
)
async def test_a_bad_export_range_is_a_problem(
    bus: LoggedBus,
    client: httpx.AsyncClient,
    params: dict[str, str],
    code: str | None,
    field: str,
) -> None:
    reply = await client.get(f"{bus.gateway}/admin/log/export", params=params, headers=ADMIN)
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["field"] == field
    if code is not None:
        assert problem["code"] == code
    assert set(problem["messages"]) == {"ru", "kk", "en"}


async def test_a_bad_limit_is_a_problem(bus: LoggedBus, client: httpx.AsyncClient) -> None:
    reply = await client.get(f"{bus.gateway}/admin/log", params={"limit": 0}, headers=ADMIN)
    assert reply.status_code == 422
    assert reply.json()["field"] == "limit"


# --- retention --------------------------------------------------------------------------------


async def test_prune_removes_records_past_retention_and_the_rest_still_verifies(
    bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    old = [(await call(client, bus, {"iin": IIN}))[2] for _ in range(3)]
    [last_old] = await record_of(client, bus, old[-1])
    # Past everything any test recorded (the export test's clock ran years ahead), plus 91 days.
    bus_clock.freeze(datetime(2040, 1, 1, tzinfo=UTC))
    bus_clock.advance(timedelta(days=91))
    new = [(await call(client, bus, {"iin": IIN}))[2] for _ in range(2)]
    await record_of(client, bus, new[-1])

    reply = await client.post(f"{bus.gateway}/admin/log/prune", headers=ADMIN)
    assert reply.status_code == 200
    pruned = reply.json()
    assert pruned["deleted"] >= 3
    assert pruned["anchorSeq"] >= last_old["seq"]
    assert datetime.fromisoformat(pruned["cutoff"]) == bus_clock.now() - timedelta(days=90)

    kept = await logged(client, bus, limit=1000)
    assert [r["correlationId"] for r in kept] == new[::-1]
    assert await verify(client, bus) == {"ok": True, "checked": 2, "firstBroken": None}
    # Nothing more is due: a second prune deletes nothing and keeps the anchor.
    again = (await client.post(f"{bus.gateway}/admin/log/prune", headers=ADMIN)).json()
    assert (again["deleted"], again["anchorSeq"]) == (0, pruned["anchorSeq"])


async def test_retention_prunes_by_itself_when_the_bus_clock_passes_it(
    tuned_bus: LoggedBus, client: httpx.AsyncClient
) -> None:
    _, _, correlation = await call(client, tuned_bus, {"iin": IIN})
    await record_of(client, tuned_bus, correlation)
    bus_clock.advance(timedelta(days=91))

    async def emptied() -> bool | None:
        return True if not await logged(client, tuned_bus) else None

    await eventually(emptied)
    assert (await verify(client, tuned_bus))["ok"] is True
    # The chain goes on from the anchor.
    _, _, after = await call(client, tuned_bus, {"iin": IIN})
    await record_of(client, tuned_bus, after)
    assert await verify(client, tuned_bus) == {"ok": True, "checked": 1, "firstBroken": None}


# --- the admin credential and the CLI ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/log"),
        ("GET", "/admin/log/verify"),
        ("GET", "/admin/log/export?from=2031-01-01T00:00:00Z&to=2031-01-02T00:00:00Z"),
        ("POST", "/admin/log/prune"),
    ],
)
@pytest.mark.parametrize("credential", [None, "Bearer wrong-token"])
async def test_the_admin_endpoints_need_the_credential(
    bus: LoggedBus, client: httpx.AsyncClient, method: str, path: str, credential: str | None
) -> None:
    headers = {"Authorization": credential} if credential else {}
    reply = await client.request(method, f"{bus.gateway}{path}", headers=headers)
    assert reply.status_code == 401
    assert reply.json()["code"] == "ADMIN_CREDENTIAL_REQUIRED"


async def test_egov_log_verify_against_the_running_bus(
    bus: LoggedBus, client: httpx.AsyncClient, direct: AsyncEngine
) -> None:
    runner = CliRunner()
    _, middle, _ = await three_records(client, bus)
    intact = await asyncio.to_thread(
        runner.invoke, cli, ["log", "verify", "--gateway", bus.gateway]
    )
    assert intact.exit_code == 0, intact.output
    assert "intact" in intact.output

    async with direct.begin() as db:
        await db.execute(update(records).where(records.c.seq == middle["seq"]).values(code="X"))
    try:
        broken = await asyncio.to_thread(
            runner.invoke, cli, ["log", "verify", "--gateway", bus.gateway]
        )
    finally:
        async with direct.begin() as db:
            await db.execute(
                update(records).where(records.c.seq == middle["seq"]).values(code=SUCCESS)
            )
    assert broken.exit_code == 1, broken.output
    assert str(middle["seq"]) in broken.output
    assert "hash mismatch" in broken.output

    refused = await asyncio.to_thread(
        runner.invoke,
        cli,
        ["log", "verify", "--gateway", bus.gateway, "--admin-token", "wrong"],
    )
    assert refused.exit_code == 2
    gone = f"http://127.0.0.1:{free_port()}"
    silent = await asyncio.to_thread(runner.invoke, cli, ["log", "verify", "--gateway", gone])
    assert silent.exit_code == 2
    assert "does not answer" in silent.output


async def test_egov_log_export_writes_verifiable_lines(
    bus: LoggedBus, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    found = await three_records(client, bus)
    start = datetime.fromisoformat(found[0]["recordedAt"])
    end = datetime.fromisoformat(found[-1]["recordedAt"]) + timedelta(microseconds=1)
    output = tmp_path / "log.jsonl"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        [
            "log",
            "export",
            "--gateway",
            bus.gateway,
            "--from",
            start.isoformat(),
            "--to",
            end.isoformat(),
            "-o",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in output.read_text().splitlines()]
    assert [line["seq"] for line in lines] == [r["seq"] for r in found]
    verify_offline(lines)


# --- stopping ---------------------------------------------------------------------------------


async def test_a_graceful_stop_writes_what_is_still_queued(
    tmp_path: Path, client: httpx.AsyncClient
) -> None:
    # The writer waits ten minutes for a batch to fill: only stopping can write these.
    extra = {"gateway": {"message_log_flush_ms": 600_000}}
    engine = create_async_engine(sqlite_url(tmp_path))
    try:
        async with running_bus(tmp_path, extra=extra) as plan:
            for _ in range(20):
                assert (await send(client, plan, envelope(PERSON, {"iin": IIN}))).status_code == 200
            async with engine.connect() as db:
                assert await db.scalar(select(func.count()).select_from(records)) == 0
        async with engine.connect() as db:
            rows = (await db.execute(select(records).order_by(records.c.seq))).mappings().all()
    finally:
        await engine.dispose()
    check = ChainCheck(START)
    assert all(check.check(row) for row in rows)
    # The state services' own start-up calls (НУЦ's token keys) are in the log too.
    assert sum(row["service_id"] == PERSON for row in rows) == 20


# --- the writer on its own --------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with service_database("gateway", request.param, tmp_path) as db:
        yield db


def exchange(started_at: datetime, status: int = 200) -> Exchange:
    return Exchange(
        channel="sync",
        operation="SendMessage",
        session_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()),
        correlation_id=None,
        service_id=PERSON,
        sender_id="tester",
        route_id=None,
        provider="gbd_fl",
        run_id=None,
        scenario=None,
        started_at=started_at,
        duration_ms=1.25,
        status=status,
        code=SUCCESS,
        request=f'{{"iin":"{IIN}"}}'.encode(),
        response=b"{}",
    )


def message_log(**settings: Any) -> MessageLog:
    return MessageLog(Settings(port=0, **settings))


async def test_a_failed_batch_is_kept_and_retried_until_it_is_written(
    database: Database,
) -> None:
    log = message_log(message_log_flush_ms=0)
    log.start(database, Clock())
    try:
        async with database.engine.begin() as db:
            await db.execute(text("ALTER TABLE message_log RENAME TO message_log_away"))
        now = datetime(2031, 1, 1, tzinfo=UTC)
        for _ in range(5):
            log.writer.observe(exchange(now))

        async def failed() -> bool | None:
            return True if log.writer.failures >= 2 else None

        await eventually(failed)
        assert log.writer.written == 0
        async with database.engine.begin() as db:
            await db.execute(text("ALTER TABLE message_log_away RENAME TO message_log"))
        async with asyncio.timeout(10):
            await log.writer.flush()
        assert (log.writer.written, log.writer.dropped) == (5, 0)
        assert await log.verify() == Verification(True, 5, None)
    finally:
        await log.stop()


async def test_a_full_queue_drops_and_counts_instead_of_blocking() -> None:
    log = message_log(message_log_queue_size=3)
    now = datetime(2031, 1, 1, tzinfo=UTC)
    for _ in range(5):
        log.writer.observe(exchange(now))
    assert (log.writer.accepted, log.writer.dropped, log.writer.queued) == (3, 2, 3)


async def test_prune_deletes_only_a_prefix_so_the_rest_still_chains(
    database: Database,
) -> None:
    """A tester set the bus clock back: an old record follows a newer one. Retention deletes up
    to the first record it must keep, never around it."""
    old = datetime(2031, 1, 1, tzinfo=UTC)
    clock = Clock()
    clock.freeze(old + timedelta(days=95))
    log = message_log(message_log_flush_ms=0, message_log_retention_days=90)
    log.start(database, clock)
    try:
        for started_at in (old, old + timedelta(days=94), old, old + timedelta(days=94)):
            log.writer.observe(exchange(started_at))
        async with asyncio.timeout(10):
            await log.writer.flush()
        # The periodic prune may have been first: either way only record 1 is gone.
        assert (await log.prune()).anchor_seq == 1
        verification = await log.verify()
        assert (verification.ok, verification.checked) == (True, 3)
    finally:
        await log.stop()


def test_masking_bodies_agrees_with_the_kit() -> None:
    """The log masks raw bytes its own (faster) way; the result must be the kit's."""
    rng = random.Random(20261122)
    uuid = f"a22bdaa3-01c9-49a5-b1a8-{IIN}"
    samples = ["", IIN, f"x{IIN}y", f"1{IIN}", f"{IIN}{IIN}", f'{{"iin":{IIN},"bin":"{IIN}"}}']
    samples += [uuid, f'{{"messageId":"{uuid}","iin":"{IIN}"}}', f"-{IIN}", uuid[1:]]
    samples += [
        "".join(rng.choice("0123456789012345 :,-abcdef") for _ in range(rng.randint(1, 80)))
        for _ in range(3000)
    ]
    for sample in samples:
        assert mask_digits(sample.encode()).decode() == mask_identifiers(sample), sample
