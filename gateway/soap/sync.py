"""The sync channel over SOAP 1.1: an ASGI endpoint on the configured SOAP paths.

`POST` a SendMessage envelope (`text/xml; charset=utf-8`; SOAPAction `""`, absent, or
`SendMessage`) and the gateway answers it through the very pipeline of the JSON channel
(`SyncChannel.process`: authentication, access rights, routing, fault rules, journal, message
log, metrics, `X-Test-Scenario` and `X-Test-Run-Id` relayed); only the wire format differs.
`GET ?wsdl` gives the WSDL, `GET ?xsd=NAME` the schemas it imports.

A refusal is a SOAP Fault (`gateway.soap.faults`) with HTTP 500 — a body over the service's
limit (413) or too slow to come (408) too, through `render_refusal` — as SOAP 1.1's HTTP binding
has it and as generated clients (WCF, JAX-WS) need to read a fault at all; the JSON channel's
status for the same refusal is in the `X-Egov-Status` header. The setting
`soap_fault_http_status` = `problem` answers with that status instead.

A signed Body (WS-Security) is checked once the sender is authenticated and the service routed
(`gateway.soap.security`, a hook of the pipeline); with a signing key set, every answer and
fault is signed.

The journal and the message log keep a SOAP exchange as the JSON envelopes it became (the
request as converted, the provider's answer, the problem document), so masking and queries
work the same for both faces; a request's signature is checked, not kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial
from typing import Literal

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from gateway.soap import envelope
from gateway.soap.faults import error_info, write_fault
from gateway.soap.payloads import Catalogue
from gateway.soap.security import ResponseSigner, Signatures
from gateway.soap.wsdl import schema_documents, wsdl
from gateway.soap.xml import SOAP_MEDIA_TYPE, XmlRefused
from gateway.sync_channel import Call, SyncChannel, gateway_fault
from servicekit.app import ROUTE_TEMPLATE
from servicekit.errors import Problem
from servicekit.messages import texts_for

FaultStatus = Literal["soap", "problem"]

_ACTIONS = frozenset({"", "SendMessage"})


class SoapFace:
    """SendMessage as SOAP 1.1 on the wire; the JSON envelope inside."""

    def __init__(
        self,
        catalogue: Catalogue,
        fault_status: FaultStatus = "soap",
        signatures: Signatures | None = None,
        signer: ResponseSigner | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.fault_status = fault_status
        self.signatures = signatures
        """Checks WS-Security signatures (`gateway.soap.security`); None: nobody signs."""
        self.signer = signer
        """Signs every answer when set."""

    async def answer(self, channel: SyncChannel, body: bytes, call: Call) -> tuple[bytes, str]:
        try:
            request = self._read(channel, body, call)
        except Problem:
            # Refused before the envelope was read: the XML as it came is kept (the records
            # see it redacted, its password hidden, as every body: servicekit.redaction).
            call.request_record = body
            raise
        call.request_record = orjson.dumps(request.document)
        admitted = None if self.signatures is None else partial(self.signatures.check, body)
        answer = await channel.process(request.document, call, admitted)
        if not answer:  # a fault rule dropped the connection
            return b"", SOAP_MEDIA_TYPE
        call.response_record = answer
        response = envelope.write_response(orjson.loads(answer), request, self.catalogue)
        return self.signed(response), SOAP_MEDIA_TYPE

    def signed(self, message: bytes) -> bytes:
        return message if self.signer is None else self.signer.sign(message)

    def _read(self, channel: SyncChannel, body: bytes, call: Call) -> envelope.SoapRequest:
        channel.check_ready(call)
        action = call.request_headers.get("soapaction")
        if action is not None and action.strip().strip('"').rsplit("/", 1)[-1] not in _ACTIONS:
            raise self._refused(channel, call, "SOAP_ACTION_UNKNOWN", "SOAPAction")
        try:
            return envelope.read_request(body, self.catalogue)
        except XmlRefused as refused:
            raise self._refused(channel, call, refused.code, "body") from None

    def refuse(
        self, problem: Problem, call: Call, headers: dict[str, str]
    ) -> tuple[int, bytes, str]:
        document = problem.to_dict()
        call.response_record = orjson.dumps(document)
        call.recorded_status = problem.status
        call.response_headers.append((b"x-egov-status", str(problem.status).encode()))
        info = error_info(problem, now=call.started_at, session_id=str(call.session_id))
        status = problem.status if self.fault_status == "problem" else 500
        return status, self.signed(write_fault(info)), SOAP_MEDIA_TYPE

    @staticmethod
    def _refused(channel: SyncChannel, call: Call, code: str, field: str) -> Problem:
        return gateway_fault(
            "INVALID_ENVELOPE",
            400,
            now=channel.clock.now(),
            session_id=call.session_id,
            field=field,
            errors=[{"code": code, "field": field, "messages": texts_for(code).render({})}],
        )


class SoapSyncEndpoint:
    """Answers SOAP on `paths` (each also without its trailing slash); ignores other paths."""

    def __init__(
        self,
        channel: SyncChannel,
        paths: Iterable[str],
        catalogue: Catalogue,
        fault_status: FaultStatus = "soap",
        signer: ResponseSigner | None = None,
    ) -> None:
        self.channel = channel
        self.paths = {p.rstrip("/") or "/": p for p in paths} | {p: p for p in paths}
        self.face = SoapFace(catalogue, fault_status, Signatures(channel), signer)
        self.schemas = schema_documents(catalogue)

    def render_refusal(self, scope: Scope, problem: Problem) -> Response | None:
        """A refusal of the request limits (413, 408) on a SOAP path, as a SOAP fault: the
        service's `RequestLimits` answer it before any face sees the request."""
        if scope["method"] != "POST" or scope["path"] not in self.paths:
            return None
        info = error_info(problem, now=self.channel.clock.now(), session_id=str(uuid.uuid4()))
        return Response(
            self.face.signed(write_fault(info)),
            status_code=problem.status if self.face.fault_status == "problem" else 500,
            media_type=SOAP_MEDIA_TYPE,
            headers={"x-egov-status": str(problem.status)},
        )

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        template = self.paths.get(scope["path"])
        if template is None:
            return False
        if scope["method"] == "POST":
            scope[ROUTE_TEMPLATE] = template
            await self.channel.serve(scope, receive, send, self.face)
            return True
        if scope["method"] != "GET":
            return False
        query = scope["query_string"].decode("latin-1")
        if query.lower() == "wsdl":
            document: bytes | None = wsdl(wsdl_address(scope))
        else:
            document = self.schemas.get(query[4:]) if query.startswith("xsd=") else None
        if document is None:
            return False
        scope[ROUTE_TEMPLATE] = template
        await send_body(send, 200, document, SOAP_MEDIA_TYPE)
        return True


def wsdl_address(scope: Scope) -> str:
    """The URL the WSDL was asked at, less its query: where the service is for this caller."""
    headers = dict(scope["headers"])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}{scope['path']}"


async def send_body(send: Send, status: int, body: bytes, media_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", media_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
