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
    on_disk = {p.relative_to(ROOT) for p in ROOT.rglob("*.json")}
    assert on_disk == set(DOCUMENTS)


def test_gateway_spec_documents_the_sync_channel_and_its_faults() -> None:
    import json
    from pathlib import Path

    spec = json.loads(DOCUMENTS[Path("openapi") / "gateway.json"])
    operation = spec["paths"]["/bip-sync/SendMessage"]["post"]
    assert {"400", "404", "422", "502", "503", "504"} <= set(operation["responses"])
    assert "requestBody" in operation
