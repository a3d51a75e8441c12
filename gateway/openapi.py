"""The sync channel in the gateway's OpenAPI, JSON and SOAP: it is served below FastAPI's
routing, so FastAPI cannot describe it."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from servicekit.envelope import ErrorInfo, SyncRequest, SyncResponse
from servicekit.gateway_client import SYNC_PATH
from servicekit.openapi import PROBLEM_REF, problem_content

_FAULTS = {
    "400": "INVALID_ENVELOPE (the envelope breaks the schema, or `errors` names a "
    "NUMBER_OUT_OF_RANGE: NaN, Infinity, 1e400, an integer beyond 64 bits), WRONG_CHANNEL",
    "401": "AUTHENTICATION_FAILED: unknown sender or wrong password",
    "403": "ACCESS_DENIED: the sender may not call this service",
    "404": "SERVICE_NOT_FOUND, ROUTE_NOT_FOUND",
    "413": "INVALID_ENVELOPE: the body is too large",
    "422": "PROVIDER_ERROR: the provider refused the request data (`errorInfo.subError` says why)",
    "502": "PROVIDER_ERROR: the provider failed",
    "503": "PROVIDER_UNAVAILABLE",
    "504": "PROVIDER_TIMEOUT",
}


SOAP_PATH = "/bip-sync/"
"""The default SOAP path (`soap_sync_paths` may add others)."""

_XML = {"text/xml": {"schema": {"type": "string"}}}


def _soap_paths() -> dict[str, Any]:
    return {
        "post": {
            "tags": ["sync channel"],
            "summary": "SendMessage over SOAP 1.1 (document/literal), the real bus's protocol",
            "operationId": "SendMessageSoap",
            "description": "The JSON channel's pipeline with SOAP on the wire: the WSDL is at "
            '`?wsdl`, each serviceId\'s `data` as XML in `?xsd=payloads`. SOAPAction `""`, '
            "`SendMessage` or none. A refusal is a SOAP Fault (faultcode = the ErrorInfo code, "
            "detail `SendMessageFault1_SendMessageFault`) sent with HTTP 500; `X-Egov-Status` "
            "is the JSON channel's status for it.",
            "requestBody": {"required": True, "content": _XML},
            "responses": {
                "200": {"description": "SendMessageResponse", "content": _XML},
                "500": {"description": "a SOAP Fault carrying ErrorInfo", "content": _XML},
            },
        },
        "get": {
            "tags": ["sync channel"],
            "summary": "The WSDL (`?wsdl`) and the XSDs it imports (`?xsd=common`, "
            "`?xsd=sync-types`, `?xsd=payloads`)",
            "operationId": "SyncChannelWsdl",
            "responses": {"200": {"description": "the document", "content": _XML}},
        },
    }


def add_sync_channel(document: dict[str, Any]) -> None:
    refs, definitions = models_json_schema(
        [(m, "validation") for m in (SyncRequest, SyncResponse, ErrorInfo)],
        by_alias=True,
        ref_template="#/components/schemas/{model}",
    )
    document.setdefault("components", {}).setdefault("schemas", {}).update(
        definitions.get("$defs", {})
    )
    fault = problem_content(
        {
            "description": "a problem whose `errorInfo` is the ШЭП fault",
            "allOf": [
                {"$ref": PROBLEM_REF},
                {"type": "object", "properties": {"errorInfo": refs[(ErrorInfo, "validation")]}},
            ],
        }
    )
    document["paths"][SYNC_PATH] = {
        "post": {
            "tags": ["sync channel"],
            "summary": "SendMessage: a synchronous request to a registry",
            "operationId": "SendMessage",
            "description": "Authenticates the sender, checks the access right, stamps "
            "`sessionId`, routes by `serviceId` (and `routeId`) and relays the provider's "
            "answer. `X-Test-Scenario` and `X-Test-Run-Id` are passed to the provider.",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": refs[(SyncRequest, "validation")]}},
            },
            "responses": {
                "200": {
                    "description": "the provider's response envelope",
                    "content": {"application/json": {"schema": refs[(SyncResponse, "validation")]}},
                },
                **{code: {"description": text, "content": fault} for code, text in _FAULTS.items()},
            },
        }
    }
    document["paths"][SOAP_PATH] = _soap_paths()
