"""The specs other agencies build against, generated from the code and checked in.

`egov contracts` writes them; `tests/test_contracts.py` fails when the code and the committed
files drift apart. Nothing here is written by hand except this generator.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contracts import asyncapi, collection, traceability
from contracts.examples import examples
from contracts.scenarios import scenarios_table
from contracts.soap_async_examples import soap_async_examples
from contracts.soap_examples import soap_examples
from egov.services import build_app
from gateway.soap.async_endpoint import PROVIDER_ADDRESS
from gateway.soap.payloads import build_catalogue, operations
from gateway.soap.vocabulary import VOCABULARIES
from gateway.soap.wsdl import schema_documents, wsdl
from servicekit.envelope import ErrorInfo, SyncRequest, SyncResponse
from servicekit.messages import known_codes
from servicekit.topology import SERVICES

ROOT = Path(__file__).resolve().parent

ENVELOPE_MODELS: dict[str, type[BaseModel]] = {
    "sync-request": SyncRequest,
    "sync-response": SyncResponse,
    "error-info": ErrorInfo,
}


def _dump(document: Any) -> str:
    if isinstance(document, str):
        return document
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def documents() -> dict[Path, str]:
    """Every contract file, by its path under contracts/, with its content."""
    files: dict[Path, str] = {}
    specs: dict[str, dict[str, Any]] = {}
    for service in SERVICES:
        app = build_app(service, port=service.port)
        specs[service.name] = app.openapi()
        files[Path("openapi") / f"{service.name}.json"] = _dump(specs[service.name])
    files.update(_soap(list(specs.values())))
    files[Path("scenarios.md")] = scenarios_table(specs)
    files[Path("traceability.md")] = traceability.table()
    files[Path("asyncapi.json")] = _dump(asyncapi.document())
    for name, text in collection.documents(specs).items():
        files[Path("collection") / name] = text
    for name, model in ENVELOPE_MODELS.items():
        schema = model.model_json_schema(by_alias=True)
        schema["$id"] = f"urn:egov-bus:schema:{name}"
        files[Path("envelope") / f"{name}.schema.json"] = _dump(schema)
    codes = {
        code: {"ru": t.ru, "kk": t.kk, "en": t.en} for code, t in sorted(known_codes().items())
    }
    files[Path("error-codes.json")] = _dump(codes)
    files[Path("error-codes.md")] = _codes_table(codes)
    for name, document in examples().items():
        files[Path("examples") / name] = _dump(document)
    return files


def _soap(openapi: list[dict[str, Any]]) -> dict[Path, str]:
    """The gateway's WSDL and XSDs, the payloads' XSD made from the registries' data schemas
    just as the gateway makes it at start (from the openapi files beside this one)."""
    catalogue = build_catalogue(operations(openapi), VOCABULARIES)
    files = {
        Path("soap") / f"{name}.xsd": document.decode()
        for name, document in schema_documents(catalogue).items()
    }
    files[Path("soap") / "sync.wsdl"] = wsdl("http://127.0.0.1:8000/bip-sync/").decode()
    files[Path("soap") / "async.wsdl"] = wsdl(
        "http://127.0.0.1:8000/bip-async/", "async.wsdl"
    ).decode()
    files[Path("soap") / "async-client.wsdl"] = wsdl(PROVIDER_ADDRESS, "async-client.wsdl").decode()
    for name, example in soap_examples(catalogue).items():
        files[Path("soap") / "examples" / name] = example
    for name, example in soap_async_examples(catalogue).items():
        files[Path("soap") / "examples" / "async" / name] = example
    return files


def _codes_table(codes: dict[str, dict[str, str]]) -> str:
    lines = [
        "# Problem codes",
        "",
        "Generated from the code (`egov contracts`). Every problem document carries one of these",
        "as `code`; the gateway's faults carry it as `errorInfo.errorCode` too. `{…}` are filled",
        "in from the problem.",
        "",
        "| code | ru | kk | en |",
        "|------|----|----|----|",
    ]
    for code, texts in codes.items():
        cells = [texts[lang].replace("|", "\\|") for lang in ("ru", "kk", "en")]
        lines.append(f"| `{code}` | {cells[0]} | {cells[1]} | {cells[2]} |")
    return "\n".join(lines) + "\n"


def write() -> list[Path]:
    written = []
    for relative, content in documents().items():
        path = ROOT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
