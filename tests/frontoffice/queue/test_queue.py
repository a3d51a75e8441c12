"""The electronic queue (V20, M5): numbers per office, kind and Almaty day; calling in issue
order; served and no-show; retries with an Idempotency-Key."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from servicekit.clock import ALMATY, bus_clock
from tests.frontoffice.support import ALMALY, BUYER, KOSTANAY, FrontOffice, refusal


async def test_v20_m5_numbers_restart_per_office_kind_and_almaty_day(office: FrontOffice) -> None:
    bus_clock.freeze(datetime(2027, 2, 1, 23, 50, tzinfo=ALMATY))
    await office.documents_ready(BUYER, ALMALY)
    almaty, kostanay = await office.worker(ALMALY), await office.worker(KOSTANAY)

    codes = [
        (await office.issue(ALMALY, almaty, None, kind="SUBMISSION")).json()["code"],
        (await office.issue(ALMALY, almaty, None, kind="SUBMISSION")).json()["code"],
        (await office.issue(ALMALY, almaty, BUYER)).json()["code"],
        (await office.issue(KOSTANAY, kostanay, None, kind="SUBMISSION")).json()["code"],
    ]
    assert codes == ["S-001", "S-002", "P-001", "S-001"]

    bus_clock.advance(timedelta(minutes=20))  # 00:10 in Almaty, still 19:10 UTC the day before
    after_midnight = await office.issue(ALMALY, almaty, None, kind="SUBMISSION")
    assert after_midnight.status_code == 201, after_midnight.text
    assert (after_midnight.json()["code"], after_midnight.json()["serviceDay"]) == (
        "S-001",
        "2027-02-02",
    )
    today = await office.http.get(f"/offices/{ALMALY}/queue", headers=almaty)
    assert [t["code"] for t in today.json()] == ["S-001"]
    yesterday = await office.http.get(
        f"/offices/{ALMALY}/queue", params={"day": "2027-02-01"}, headers=almaty
    )
    assert [t["code"] for t in yesterday.json()] == ["S-001", "S-002", "P-001"]


async def test_v20_m5_tickets_are_called_in_issue_order_then_served_or_no_show(
    office: FrontOffice, business_day: datetime
) -> None:
    worker = await office.worker(ALMALY)
    for _ in range(3):
        assert (await office.issue(ALMALY, worker, None, kind="SUBMISSION")).status_code == 201
        bus_clock.advance(timedelta(minutes=1))

    first = (await office.call_next(ALMALY, worker, window=3)).json()
    assert (first["code"], first["status"], first["window"]) == ("S-001", "CALLED", 3)
    second = (await office.call_next(ALMALY, worker, window=4)).json()
    assert second["code"] == "S-002"

    tickets = f"/offices/{ALMALY}/queue/tickets"
    served = await office.http.post(f"{tickets}/{first['id']}/served", headers=worker)
    assert (served.status_code, served.json()["status"]) == (200, "SERVED")
    no_show = await office.http.post(f"{tickets}/{second['id']}/no-show", headers=worker)
    assert (no_show.status_code, no_show.json()["status"]) == (200, "NO_SHOW")

    again = await office.http.post(f"{tickets}/{first['id']}/served", headers=worker)
    assert refusal(again) == (409, "TICKET_NOT_CALLED", "M5")
    waiting = await office.http.get(
        f"/offices/{ALMALY}/queue", params={"status": "WAITING"}, headers=worker
    )
    [third] = waiting.json()
    not_called = await office.http.post(f"{tickets}/{third['id']}/no-show", headers=worker)
    assert refusal(not_called) == (409, "TICKET_NOT_CALLED", "M5")
    unknown = await office.http.post(f"{tickets}/{uuid.uuid4()}/served", headers=worker)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "TICKET_NOT_FOUND")

    assert (await office.call_next(ALMALY, worker)).json()["code"] == "S-003"
    empty = await office.call_next(ALMALY, worker)
    assert (empty.status_code, empty.json()["code"]) == (409, "QUEUE_EMPTY")


async def test_v20_the_pickup_sector_calls_only_pickup_tickets(
    office: FrontOffice, business_day: datetime
) -> None:
    await office.documents_ready(BUYER, ALMALY)
    worker = await office.worker(ALMALY)
    await office.issue(ALMALY, worker, None, kind="SUBMISSION")
    bus_clock.advance(timedelta(minutes=1))
    await office.issue(ALMALY, worker, BUYER)

    called = await office.http.post(
        f"/offices/{ALMALY}/queue/call-next",
        json={"window": 7, "kind": "VIN_PICKUP"},
        headers=worker,
    )
    assert (called.json()["code"], called.json()["visitorIin"]) == ("P-001", BUYER.iin)


async def test_v20_m5_a_retry_with_the_same_key_changes_nothing(
    office: FrontOffice, business_day: datetime
) -> None:
    worker = await office.worker(ALMALY)
    key = str(uuid.uuid4())
    first = await office.issue(ALMALY, worker, None, kind="SUBMISSION", key=key)
    retried = await office.issue(ALMALY, worker, None, kind="SUBMISSION", key=key)
    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json()
    assert (await office.issue(ALMALY, worker, None, kind="SUBMISSION")).json()["code"] == "S-002"

    other_request = await office.issue(ALMALY, worker, BUYER, key=key)
    assert refusal(other_request)[:2] == (409, "IDEMPOTENCY_KEY_REUSED")

    call_key = str(uuid.uuid4())
    called = await office.call_next(ALMALY, worker, key=call_key)
    recalled = await office.call_next(ALMALY, worker, key=call_key)
    assert recalled.json() == called.json()
    waiting = await office.http.get(
        f"/offices/{ALMALY}/queue", params={"status": "WAITING"}, headers=worker
    )
    assert [t["code"] for t in waiting.json()] == ["S-002"]


async def test_v20_m5_a_waiting_ticket_is_called_out_of_turn_once(
    office: FrontOffice, business_day: datetime
) -> None:
    worker = await office.worker(ALMALY)
    first = (await office.issue(ALMALY, worker, None, kind="SUBMISSION")).json()
    second = (await office.issue(ALMALY, worker, None, kind="SUBMISSION")).json()
    tickets = f"/offices/{ALMALY}/queue/tickets"

    called = await office.http.post(
        f"{tickets}/{second['id']}/call", json={"window": 5}, headers=worker
    )
    assert called.status_code == 200, called.text
    assert (called.json()["code"], called.json()["status"], called.json()["window"]) == (
        second["code"],
        "CALLED",
        5,
    )
    again = await office.http.post(
        f"{tickets}/{second['id']}/call", json={"window": 6}, headers=worker
    )
    assert (again.status_code, again.json()["code"]) == (409, "TICKET_NOT_WAITING")
    # The queue goes on in its order with the rest.
    assert (await office.call_next(ALMALY, worker)).json()["code"] == first["code"]
    unknown = await office.http.post(
        f"{tickets}/{uuid.uuid4()}/call", json={"window": 1}, headers=worker
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "TICKET_NOT_FOUND")
    other = await office.worker(KOSTANAY)
    foreign = await office.http.post(
        f"{tickets}/{first['id']}/call", json={"window": 1}, headers=other
    )
    assert (foreign.status_code, foreign.json()["code"]) == (403, "OFFICE_FORBIDDEN")
