"""The async channel over SOAP 1.1: an ASGI middleware on the configured async SOAP paths.

`POST` one of IAsyncChannel's operations (`sendMessage`, `getMessages`, `getMessageStatus`,
`sendDeliveryNotification`; SOAPAction `""`, absent, or the operation's name) and the gateway
turns it into the body of the JSON operation of the same name (`gateway.soap.async_envelope`)
and runs that very operation (`POST /bip-async/<operation>`, inside this process, through the
app below this middleware): the same checks, store, RabbitMQ mailboxes, retries, fault rules,
journal and message log as a JSON call — there is no second implementation. Its JSON answer
becomes the SOAP response; its problem becomes a SOAP Fault whose detail is the operation's
`<op>Fault1_<op>Fault` (ErrorInfo), with HTTP 500 (or the problem's status, as on the sync
face: `soap_fault_http_status`), the JSON status in `X-Egov-Status`. A body that is none of
the operations (not XML, SOAP 1.2, an unknown SOAPAction) has sendMessage's fault.

`GET ?wsdl` gives IAsyncChannel's WSDL, `?wsdl=client` the IAsyncChannelClient a provider
serves to be pushed over SOAP, `?xsd=NAME` the schemas they import.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.async_routes import ORIGINAL_IDS
from gateway.exchange import Exchange, notify
from gateway.soap.async_envelope import OPERATIONS, AsyncSoapRequest, read_request, write_response
from gateway.soap.faults import write_fault
from gateway.soap.payloads import Catalogue
from gateway.soap.sync import FaultStatus, send_body, wsdl_address
from gateway.soap.wsdl import schema_documents, wsdl
from gateway.soap.xml import ASYNC_ITYPES, SOAP_MEDIA_TYPE, XmlRefused
from gateway.sync_channel import SyncChannel, gateway_fault
from servicekit.app import ROUTE_TEMPLATE
from servicekit.clock import instant
from servicekit.errors import Problem
from servicekit.gateway_client import ASYNC_PREFIX
from servicekit.messages import texts_for

_ACTIONS = frozenset({"", *OPERATIONS})
PROVIDER_ADDRESS = "http://provider.invalid/shep/async"
"""Where IAsyncChannelClient is in its WSDL: at the provider's own address (the registry's)."""


class SoapAsyncEndpoint:
    """Answers SOAP on `paths` (each also without its trailing slash)."""

    def __init__(
        self,
        channel: SyncChannel,
        paths: Iterable[str],
        catalogue: Catalogue,
        fault_status: FaultStatus = "soap",
    ) -> None:
        # The sync channel owns the clock and the observers both channels share.
        self.channel = channel
        self.paths = {p.rstrip("/") or "/": p for p in paths} | {p: p for p in paths}
        self.catalogue = catalogue
        self.fault_status = fault_status
        self.schemas = schema_documents(catalogue)

    def render_refusal(self, scope: Scope, problem: Problem) -> Response | None:
        """A refusal of the request limits (413, 408) on an async SOAP path, as a SOAP fault."""
        if scope["method"] != "POST" or scope["path"] not in self.paths:
            return None
        info = _error_info(problem.to_dict(), self.channel, str(uuid.uuid4()))
        return Response(
            write_fault(info, detail="sendMessageFault1_sendMessageFault", namespace=ASYNC_ITYPES),
            status_code=problem.status if self.fault_status == "problem" else 500,
            media_type=SOAP_MEDIA_TYPE,
            headers={"x-egov-status": str(problem.status)},
        )

    async def serve(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is for an async SOAP path (`app` runs the JSON operation),
        and say whether it did."""
        template = self.paths.get(scope["path"])
        if template is None:
            return False
        if scope["method"] == "POST":
            scope[ROUTE_TEMPLATE] = template
            await self._post(app, scope, receive, send)
            return True
        if scope["method"] != "GET":
            return False
        query = scope["query_string"].decode("latin-1")
        if query.lower() == "wsdl":
            document: bytes | None = wsdl(wsdl_address(scope), "async.wsdl")
        elif query.lower() == "wsdl=client":
            document = wsdl(PROVIDER_ADDRESS, "async-client.wsdl")
        else:
            document = self.schemas.get(query[4:]) if query.startswith("xsd=") else None
        if document is None:
            return False
        scope[ROUTE_TEMPLATE] = template
        await send_body(send, 200, document, SOAP_MEDIA_TYPE)
        return True

    async def _post(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        started, started_at = time.perf_counter(), self.channel.clock.now()
        session_id = str(uuid.uuid4())
        body = await _read_body(receive)
        try:
            request = self._read(scope, body)
        except Problem as refused:
            # Which operation it was is not known: the fault is sendMessage's.
            self._observe(scope, body, started, started_at, refused)
            await self._fault(send, "sendMessage", refused.to_dict(), session_id)
            return
        status, answer = await _run(app, scope, receive, request)
        document = _json(answer)
        if status != 200 or not isinstance(document, dict):
            problem = document if isinstance(document, dict) else {"code": f"HTTP_{status}"}
            problem.setdefault("status", status)
            await self._fault(send, request.operation, problem, session_id)
            return
        if request.operation == "getMessageStatus" and not document.get("statuses"):
            # The JSON channel lists no message the caller may not see; SOAP asks for one.
            missing = gateway_fault(
                "MESSAGE_NOT_FOUND",
                404,
                now=self.channel.clock.now(),
                session_id=uuid.UUID(session_id),
                field="messageId",
            )
            await self._fault(send, request.operation, missing.to_dict(), session_id)
            return
        now = self.channel.clock.now()
        reply = write_response(request, document, self.catalogue, now=now, session_id=session_id)
        await send_body(send, 200, reply, SOAP_MEDIA_TYPE)

    def _read(self, scope: Scope, body: bytes) -> AsyncSoapRequest:
        headers = dict(scope["headers"])
        action = headers.get(b"soapaction")
        if action is not None:
            name = action.decode("latin-1").strip().strip('"').rsplit("/", 1)[-1]
            if name not in _ACTIONS:
                raise self._refusal("SOAP_ACTION_UNKNOWN", "SOAPAction")
        try:
            return read_request(body, self.catalogue)
        except XmlRefused as refused:
            raise self._refusal(refused.code, "body") from None

    def _refusal(self, code: str, field: str) -> Problem:
        return gateway_fault(
            "INVALID_ENVELOPE",
            400,
            now=self.channel.clock.now(),
            session_id=None,
            field=field,
            errors=[{"code": code, "field": field, "messages": texts_for(code).render({})}],
        )

    async def _fault(self, send: Send, name: str, problem: dict[str, Any], session_id: str) -> None:
        status = int(problem.get("status") or 500)
        fault = write_fault(
            _error_info(problem, self.channel, session_id),
            detail=f"{name}Fault1_{name}Fault",
            namespace=ASYNC_ITYPES,
        )
        await send(
            {
                "type": "http.response.start",
                "status": status if self.fault_status == "problem" else 500,
                "headers": [
                    (b"content-type", SOAP_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(fault)).encode()),
                    (b"x-egov-status", str(status).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": fault})

    def _observe(
        self, scope: Scope, body: bytes, started: float, started_at: datetime, problem: Problem
    ) -> None:
        """A request refused before it became a JSON call is journaled here (the JSON
        operation journals every other)."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        exchange = Exchange(
            channel="async",
            operation="unknown",
            session_id="",
            message_id=None,
            correlation_id=None,
            service_id=None,
            sender_id=None,
            route_id=None,
            provider=None,
            run_id=headers.get("x-test-run-id"),
            scenario=headers.get("x-test-scenario"),
            started_at=started_at,
            duration_ms=(time.perf_counter() - started) * 1000,
            status=problem.status,
            code=problem.code,
            request=body,  # redacted, its password hidden, by what keeps it
            response=orjson.dumps(problem.to_dict()),
        )
        notify(self.channel.observers, exchange)


def _error_info(problem: dict[str, Any], channel: SyncChannel, session_id: str) -> dict[str, Any]:
    """The ErrorInfo of a problem document: its own, or made from its code and texts (a
    refusal that carries none, e.g. MESSAGE_NOT_FOUND of a delivery notification)."""
    info = problem.get("errorInfo")
    if isinstance(info, dict):
        # A refusal before a message is stamped has no session; the SOAP call has one.
        return {**info, "sessionId": info.get("sessionId") or session_id}
    messages = problem.get("messages") or {}
    return {
        "errorCode": str(problem.get("code") or "INTERNAL_ERROR"),
        "errorMessage": str(messages.get("ru") or problem.get("detail") or "")[:250],
        "errorDate": instant(channel.clock.now()),
        "sessionId": session_id,
    }


def _json(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


async def _read_body(receive: Receive) -> bytes:
    # The request limits (outermost) have refused a body over the service's size already.
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _run(
    app: ASGIApp, scope: Scope, receive: Receive, request: AsyncSoapRequest
) -> tuple[int, bytes]:
    """Run the JSON operation of `request` through `app`: its status and body."""
    payload = orjson.dumps(request.document)
    path = f"{ASYNC_PREFIX}/{request.operation}"
    kept = [
        (k, v)
        for k, v in scope["headers"]
        if k not in (b"content-type", b"content-length", b"soapaction", b"transfer-encoding")
    ]
    inner = {
        **scope,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        ORIGINAL_IDS: request.ids,
        "headers": [
            *kept,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ],
    }
    given = False

    async def once() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": payload, "more_body": False}
        return await receive()

    status, chunks = 500, []

    async def keep(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(inner, once, keep)
    return status, b"".join(chunks)


class SoapAsyncMiddleware:
    """Sends the async SOAP paths to `endpoint`, everything else on to the app."""

    def __init__(self, app: ASGIApp, endpoint: SoapAsyncEndpoint) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and await self.endpoint.serve(self.app, scope, receive, send):
            return
        await self.app(scope, receive, send)
