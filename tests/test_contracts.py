"""The checked-in contracts are what the code generates (DESIGN: contracts first)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from contracts import ROOT, documents

PROJECT = ROOT.parent
REDOCLY = PROJECT / "node_modules" / ".bin" / "redocly"
GENERATED_LOOKING = (
    "*.json",
    "error-codes.md",
    "scenarios.md",
    "traceability.md",
    "*.http",
    "*.xsd",
    "*.wsdl",
    "*.xml",
)
# The tests are named after the files on disk, which costs nothing to list; what the code
# generates (seconds: every service's app and OpenAPI document) is made once, by the process
# that runs these tests (`generated`), not by every process that collects them.
ON_DISK = sorted(
    {p.relative_to(ROOT) for pattern in GENERATED_LOOKING for p in ROOT.rglob(pattern)}
)
OPENAPI = [path for path in ON_DISK if path.parts[0] == "openapi"]


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return documents()


@pytest.mark.parametrize("relative", ON_DISK, ids=str)
def test_contract_is_current(relative: Path, generated: dict[Path, str]) -> None:
    path = ROOT / relative
    assert relative in generated, f"{path} is not generated: remove it, or run `egov contracts`"
    assert path.read_text(encoding="utf-8") == generated[relative], (
        f"{path} is stale: run `egov contracts`"
    )


def test_no_stray_contract_files(generated: dict[Path, str]) -> None:
    """Every generated-looking file is generated: a stale one of a removed model would lie;
    and every generated file is there (a missing one: run `egov contracts`)."""
    assert set(ON_DISK) == set(generated)


def test_gateway_spec_documents_the_sync_channel_and_its_faults(
    generated: dict[Path, str],
) -> None:
    import json
    from pathlib import Path

    spec = json.loads(generated[Path("openapi") / "gateway.json"])
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


@pytest.mark.parametrize("relative", OPENAPI, ids=str)
def test_openapi_document_passes_openapi_spec_validator(
    relative: Path, generated: dict[Path, str]
) -> None:
    validate(json.loads(generated[relative]))


def test_every_openapi_file_passes_redocly_lint() -> None:
    """Redocly CLI (package.json, installed by `bootstrap.py setup --dev` with `npm ci`) with
    the rules of redocly.yaml: no error and no warning (but those .redocly.lint-ignore.yaml
    names, each with its reason)."""
    if shutil.which("node") is None or not REDOCLY.exists():
        pytest.fail(
            "Redocly CLI is missing: install Node.js 20+, then `python3 bootstrap.py setup --dev`"
        )
    files = [str(ROOT / path) for path in OPENAPI]
    run = subprocess.run(
        [str(REDOCLY), "lint", "--format=json", *files],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # One report per file, one after the other.
    reports, decoder, rest = [], json.JSONDecoder(), run.stdout.strip()
    while rest:
        report, end = decoder.raw_decode(rest)
        reports.append(report)
        rest = rest[end:].lstrip()
    assert len(reports) == len(files), run.stderr
    problems = [
        (p["ruleId"], p["message"], p["location"][0]["source"]["ref"])
        for r in reports
        for p in r["problems"]
    ]
    assert problems == []
    assert run.returncode == 0, run.stderr


_DESKS = ("/dealer/", "/cabinet/", "/police/", "/offices/", "/provider/", "/digital-documents")
"""Where the state services' people work, signed in by ЭЦП."""


def test_every_operation_declares_its_credential_and_its_problems(
    generated: dict[Path, str],
) -> None:
    """Admin routes take the admin token, the state services' desks the login token, public
    routes none; every error answer is the one Problem schema."""
    for relative in OPENAPI:
        spec = json.loads(generated[relative])
        assert "Problem" in spec["components"]["schemas"], relative
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                schemes = {name for need in operation["security"] for name in need}
                if path.startswith("/admin"):
                    expected = {"adminToken"}
                elif path.startswith(_DESKS):
                    expected = {"loginToken"}
                else:
                    expected = set()
                assert schemes == expected, (relative, method, path)
                for status, response in operation["responses"].items():
                    if status[0] in "45" and "text/xml" not in response["content"]:  # SOAP
                        content = response["content"]["application/problem+json"]
                        assert "Problem" in json.dumps(content["schema"]), (relative, path, status)
                if schemes:
                    assert "401" in operation["responses"], (relative, method, path)


SOAP_EXAMPLES = [p for p in ON_DISK if p.suffix == ".xml"]


@pytest.mark.parametrize("relative", SOAP_EXAMPLES, ids=str)
def test_soap_examples_are_valid_against_the_xsds(
    relative: Path, generated: dict[Path, str]
) -> None:
    from tests.gateway.soap.support import assert_valid

    assert_valid(generated[relative].encode())


def test_every_async_operation_has_a_soap_example_of_its_call_and_its_faults() -> None:
    from gateway.soap.async_envelope import OPERATIONS

    names = {p.name for p in SOAP_EXAMPLES}
    for operation in OPERATIONS:
        assert {f"{operation}-request.xml", f"{operation}-response.xml"} <= names
        assert any(n.startswith(f"{operation}-fault-") for n in names), operation
