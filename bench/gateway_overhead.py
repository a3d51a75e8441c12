"""How much the gateway costs: the same registry call made directly and through the gateway.

Starts the bus with `egov up` (one process per service on PostgreSQL and RabbitMQ when both
answer, else the embedded default), then drives, from a separate load process, the ГБД ФЛ
person lookup:

- direct: the envelope POSTed to the registry's provider endpoint, as the gateway would;
- gateway: the same envelope through `POST /bip-sync/SendMessage` (authentication, access
  check, routing, message log, journal, metrics — everything on);
- soap: the same call as a SOAP 1.1 SendMessage to `POST /bip-sync/`, through the same
  pipeline, with the XML ↔ JSON conversion at the edge (ГБД ФЛ's answer in its SOAP vocabulary).

Two phases: throughput under load (64 connections by default, where latency is mostly
queueing), and latency with one connection at a time, where the difference between the two
paths is what the gateway's hop costs. Prints requests/s and p50/p99 of each, and the ratios
(SOAP against JSON: the target is at least 70 % of the JSON path's throughput).
Run:

    .venv/bin/python bench/gateway_overhead.py [--seconds 10] [--connections 64] [--embedded]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IIN = "900515310005"
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/egovbench"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, int(q * len(ordered)) - 1)] if ordered else 0.0


def envelope(session: bool) -> bytes:
    info: dict[str, Any] = {
        "messageId": str(uuid.uuid4()),
        "serviceId": "GBDFL_UniversalServiceSync",
        "messageDate": "2026-11-22T10:00:00+05:00",
        "sender": {"senderId": "tester", "password": "tester-secret"},
    }
    if session:  # what the gateway adds before it forwards
        info["sessionId"] = str(uuid.uuid4())
    return json.dumps({"requestInfo": info, "requestData": {"data": {"iin": IIN}}}).encode()


SOAP = """<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <s:Body>
    <t:SendMessage xmlns:t="http://bip.bee.kz/SyncChannel/v10/Types"
                   xmlns:p="urn:egov-bus:shep:payloads:v1">
      <request>
        <requestInfo>
          <messageId>{message_id}</messageId>
          <serviceId>GBDFL_UniversalServiceSync</serviceId>
          <messageDate>2026-11-22T10:00:00+05:00</messageDate>
          <sender><senderId>tester</senderId><password>tester-secret</password></sender>
        </requestInfo>
        <requestData>
          <data xsi:type="p:GBDFL_UniversalServiceSync.Request"><iin>{iin}</iin></data>
        </requestData>
      </request>
    </t:SendMessage>
  </s:Body>
</s:Envelope>
"""

JSON_HEADERS = {"content-type": "application/json"}
SOAP_HEADERS = {"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def soap_envelope() -> bytes:
    return SOAP.format(message_id=uuid.uuid4(), iin=IIN).encode()


async def _drive(
    url: str, body: bytes, seconds: float, connections: int, headers: dict[str, str]
) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                async with client.post(url, data=body, headers=headers) as reply:
                    await reply.read()
                    if reply.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker() for _ in range(connections)))
    return len(latencies), errors, latencies


def _load(
    url: str, body: bytes, seconds: float, connections: int, headers: dict[str, str], queue: Any
) -> None:
    import uvloop

    started = time.perf_counter()
    requests, errors, latencies = uvloop.run(_drive(url, body, seconds, connections, headers))
    queue.put((requests, errors, time.perf_counter() - started, latencies))


def measure(
    name: str,
    url: str,
    body: bytes,
    seconds: float,
    connections: int,
    headers: dict[str, str] = JSON_HEADERS,
) -> Result:
    """Run the load in its own process, so it does not share a core with the caller."""
    queue: Any = multiprocessing.Queue()
    process = multiprocessing.Process(
        target=_load, args=(url, body, seconds, connections, headers, queue)
    )
    process.start()
    requests, errors, elapsed, latencies = queue.get()
    process.join()
    return Result(name, requests, errors, elapsed, latencies)


def _free_base() -> int:
    for base in range(21000, 60000, 50):
        try:
            for offset in range(20):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", base + offset))
            return base
        except OSError:
            continue
    raise RuntimeError("no free ports")


def _reachable(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def start_bus(embedded: bool) -> tuple[subprocess.Popen[bytes], int, str]:
    base = _free_base()
    env = {**os.environ, "EGOV_LOG_LEVEL": "WARNING"}
    mode = "embedded (SQLite, in-process bus, one process)"
    if not embedded and _reachable(5432) and _reachable(5672):
        env |= {"DATABASE_URL": DATABASE_URL, "AMQP_URL": AMQP_URL}
        mode = "one process per service, PostgreSQL + RabbitMQ"
    data_dir = os.path.join(ROOT, "data", f"bench-{base}")
    process = subprocess.Popen(
        [sys.executable, "-m", "egov", "up", "--base-port", str(base), "--data-dir", data_dir],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{base}/health", timeout=1).json()["status"] == "ok":
                return process, base, mode
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    # SIGINT, not SIGKILL: `egov up` stops its children only when it is let to.
    process.send_signal(signal.SIGINT)
    process.wait(30)
    raise RuntimeError("the bus did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--embedded", action="store_true", help="SQLite and the in-process bus")
    args = parser.parse_args()

    process, base, mode = start_bus(args.embedded)
    try:
        direct_url = f"http://127.0.0.1:{base + 1}/shep/sync"
        gateway_url = f"http://127.0.0.1:{base}/bip-sync/SendMessage"
        soap_url = f"http://127.0.0.1:{base}/bip-sync/"
        log_before = _log_records(base)
        # Warm every path (connection pools, caches, the password check) before measuring.
        measure("warm-up", direct_url, envelope(True), 2, args.connections)
        measure("warm-up", gateway_url, envelope(False), 2, args.connections)
        measure("warm-up", soap_url, soap_envelope(), 2, args.connections, SOAP_HEADERS)
        direct = measure("direct", direct_url, envelope(True), args.seconds, args.connections)
        through = measure("gateway", gateway_url, envelope(False), args.seconds, args.connections)
        soap = measure(
            "soap", soap_url, soap_envelope(), args.seconds, args.connections, SOAP_HEADERS
        )
        direct_1 = measure("direct", direct_url, envelope(True), args.seconds / 2, 1)
        through_1 = measure("gateway", gateway_url, envelope(False), args.seconds / 2, 1)
        soap_1 = measure("soap", soap_url, soap_envelope(), args.seconds / 2, 1, SOAP_HEADERS)
        logged = _log_records(base) - log_before
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)

    print(f"bus: {mode}; {args.seconds:.0f} s per path under load\n")
    print(f"{'path':<10}{'conns':>6}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for result, connections in (
        (direct, args.connections),
        (through, args.connections),
        (soap, args.connections),
        (direct_1, 1),
        (through_1, 1),
        (soap_1, 1),
    ):
        print(
            f"{result.name:<10}{connections:>6}{result.rps:>10.0f}"
            f"{result.percentile(0.5):>10.2f}{result.percentile(0.99):>10.2f}{result.errors:>8}"
        )
    ratio = through.rps / direct.rps if direct.rps else 0.0
    added = through_1.percentile(0.5) - direct_1.percentile(0.5)
    print(f"\nthroughput through the gateway: {ratio:.0%} of direct (target ≥ 60 %)")
    print(f"latency the gateway adds at p50, one connection: {added:.2f} ms (target < 1 ms)")
    soap_ratio = soap.rps / through.rps if through.rps else 0.0
    soap_added = soap_1.percentile(0.5) - direct_1.percentile(0.5)
    print(f"SOAP throughput: {soap_ratio:.0%} of the JSON path's (target ≥ 70 %)")
    print(f"latency the SOAP path adds at p50, one connection: {soap_added:.2f} ms")
    print(f"message log records written meanwhile: {logged} (warm-ups included)")


def _log_records(base: int) -> int:
    reply = httpx.get(
        f"http://127.0.0.1:{base}/admin/log",
        params={"limit": 1},
        headers={"Authorization": "Bearer egov-admin"},
        timeout=10,
    )
    records = reply.json()["records"]
    return int(records[0]["seq"]) if records else 0


if __name__ == "__main__":
    main()
