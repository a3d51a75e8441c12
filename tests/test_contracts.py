"""The checked-in contracts are what the code generates (DESIGN: contracts first)."""

from __future__ import annotations

import pytest

from contracts import ROOT, documents

DOCUMENTS = documents()


@pytest.mark.parametrize("relative", sorted(DOCUMENTS), ids=str)
def test_contract_is_current(relative: object) -> None:
    path = ROOT / str(relative)
    assert path.exists(), f"{path} is missing: run `egov contracts`"
    assert path.read_text(encoding="utf-8") == DOCUMENTS[relative], (  # type: ignore[index]
        f"{path} is stale: run `egov contracts`"
    )


def test_no_stray_contract_files() -> None:
    """Every generated-looking file is generated: a stale one of a removed model would lie."""
    on_disk = {
        p.relative_to(ROOT)
        for pattern in ("*.json", "error-codes.md", "*.xsd", "*.wsdl", "*.xml")
        for p in ROOT.rglob(pattern)
    }
    assert on_disk == set(DOCUMENTS)


def test_gateway_spec_documents_the_sync_channel_and_its_faults() -> None:
    import json
    from pathlib import Path

    spec = json.loads(DOCUMENTS[Path("openapi") / "gateway.json"])
    operation = spec["paths"]["/bip-sync/SendMessage"]["post"]
    assert {"400", "404", "422", "502", "503", "504"} <= set(operation["responses"])
    assert "requestBody" in operation


def test_examples_are_valid_documents() -> None:
    import json

    from servicekit.envelope import (
        AsyncMessage,
        GetMessagesResponse,
        GetMessageStatusResponse,
        SendMessageResponse,
        SyncRequest,
        SyncResponse,
    )

    examples = ROOT / "examples"

    def load(name: str) -> object:
        return json.loads((examples / name).read_text(encoding="utf-8"))

    SyncRequest.model_validate(load("sync/request.json"))
    SyncResponse.model_validate(load("sync/response.json"))
    AsyncMessage.model_validate(load("async/sendMessage-request.json"))
    SendMessageResponse.model_validate(load("async/sendMessage-response.json"))
    GetMessagesResponse.model_validate(load("async/getMessages-response.json"))
    GetMessageStatusResponse.model_validate(load("async/getMessageStatus-response.json"))
    for fault in (examples / "sync").glob("fault-*.json"):
        document = json.loads(fault.read_text(encoding="utf-8"))
        assert document["code"] == document["errorInfo"]["errorCode"], fault.name
        assert set(document["messages"]) == {"ru", "kk", "en"}, fault.name
