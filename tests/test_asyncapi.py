"""contracts/asyncapi.json: valid by the official AsyncAPI parser, and true to the queues the
services declare and the events they publish (the drift check is `tests/test_contracts.py`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from contracts import ROOT as CONTRACTS
from contracts.asyncapi import CONSUMERS, PUBLISHED
from egov.services import build_app
from frontoffice_service import consumers as frontoffice_consumers
from registration_service import consumers as registration_consumers
from servicekit.bus.rabbitmq import dlq_name
from servicekit.topology import spec
from tests.backends import backends_required

REPO = CONTRACTS.parent
DOCUMENT: dict[str, Any] = json.loads((CONTRACTS / "asyncapi.json").read_text(encoding="utf-8"))


def node_tools() -> Path:
    """The project's Node packages (package.json), installed from the lock when missing."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        if backends_required():
            pytest.fail("Node.js and npm are needed to validate the contracts")
        pytest.skip("Node.js and npm are not installed")
    modules = REPO / "node_modules"
    if not (modules / "@asyncapi" / "parser" / "package.json").exists():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return modules


def test_asyncapi_document_passes_the_asyncapi_parser() -> None:
    node_tools()
    done = subprocess.run(
        ["node", str(REPO / "tests" / "validate_asyncapi.mjs"), str(CONTRACTS / "asyncapi.json")],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(done.stdout)
    serious = [d for d in result["diagnostics"] if d["severity"] <= 1]
    assert result["parsed"], result["diagnostics"]
    assert serious == []


def test_the_parser_catches_a_broken_document(tmp_path: Path) -> None:
    """The validation above means something: a wrong exchange type is an error."""
    node_tools()
    broken = json.dumps(DOCUMENT).replace('"type": "topic"', '"type": "tree"')
    path = tmp_path / "broken.json"
    path.write_text(broken, encoding="utf-8")
    done = subprocess.run(
        ["node", str(REPO / "tests" / "validate_asyncapi.mjs"), str(path)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(done.stdout)
    assert not result["parsed"]
    assert any("exchange/type" in d["path"] for d in result["diagnostics"])


@pytest.mark.parametrize(
    ("service", "module"),
    [
        ("registration_service", registration_consumers),
        ("frontoffice_service", frontoffice_consumers),
    ],
)
def test_every_queue_a_service_consumes_is_in_the_document(service: str, module: Any) -> None:
    app = build_app(spec(service))
    wired = {queue.name for queue, _ in module._wiring(app)}
    assert wired == {queue.name for queue, _ in CONSUMERS[service][0]}
    channels = DOCUMENT["channels"]
    for queue, event in CONSUMERS[service][0]:
        channel = channels[queue.name]
        assert channel["bindings"]["amqp"]["queue"]["name"] == queue.name
        assert set(channel["messages"]) == {event.__name__}
        bound = {b["routingKey"] for b in channel["x-egov-bindings"]}
        assert bound == {queue.name, *queue.bindings}
        assert dlq_name(queue.name) in channels
        assert channel["x-egov-arguments"]["x-dead-letter-exchange"] == "egov.dlx"
        operation = DOCUMENT["operations"][f"{service}.consume.{queue.name}"]
        assert operation["action"] == "receive"


def _topic_match(pattern: str, key: str) -> bool:
    regex = re.escape(pattern).replace(r"\*", r"[^.]+").replace(r"\#", r".*")
    return re.fullmatch(regex, key) is not None


def test_every_published_event_reaches_a_queue_that_takes_it() -> None:
    """An event no queue is bound to would be refused by the broker (publishes are
    mandatory); the document says which queue takes each."""
    queues = [queue for consumed, _ in CONSUMERS.values() for queue in consumed]
    for published in PUBLISHED.values():
        for event in published:
            key = event.routing_key + (".02" if event.routing_parameter else "")
            takers = [
                q.name
                for q, model in queues
                if model is event and any(_topic_match(p, key) for p in (q.name, *q.bindings))
            ]
            assert takers, event.__name__
            address = DOCUMENT["channels"][event.routing_key]["address"]
            if event.routing_parameter:
                assert address == f"{event.routing_key}.{{{event.routing_parameter}}}"
                payload = DOCUMENT["components"]["schemas"][event.__name__]
                assert event.routing_parameter in payload["properties"]
            else:
                assert address == event.routing_key


def test_payloads_are_the_event_models_json_schemas() -> None:
    from servicekit.events import SmsRequested

    schema = DOCUMENT["components"]["schemas"]["SmsRequested"]
    assert schema == SmsRequested.model_json_schema(by_alias=True)
    assert schema["properties"]["phone"]["pattern"] == r"^\+7\d{10}$"
    assert {"eventId", "occurredAt"} <= set(schema["properties"])
