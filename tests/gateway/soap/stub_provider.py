"""A small SOAP provider, as a tester would put their own behind the gateway: a Starlette app
with lxml that takes SendMessage (checked against the project's XSDs) and answers ГБД ФЛ's
person in the real vocabulary, a SOAP Fault with ErrorInfo (`SCE003`), or nothing at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fixtures.http import serving
from tests.gateway.soap.support import assert_valid

FOUND = "900515310005"
FAILING = "850308410371"
"""The stub's SOAP Fault: SCE003, the provider's own code."""
SILENT = "791123310745"
"""The stub does not answer (until it stops; the gateway gives up long before)."""
MEDIA = "text/xml; charset=utf-8"

ANSWER = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
               xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
               xmlns:p="urn:egov-bus:shep:payloads:v1">
  <soap:Body>
    <t:SendMessageResponse xmlns:t="http://bip.bee.kz/SyncChannel/v10/Types">
      <response>
        <responseInfo>
          <messageId>stub-answer-1</messageId>
          <correlationId>{correlation}</correlationId>
          <responseDate>2026-11-22T10:00:01+05:00</responseDate>
          <status><code>SCSS001</code><message>OK</message></status>
          <sessionId>{session}</sessionId>
        </responseInfo>
        <responseData>
          <data xsi:type="p:GBDFL_UniversalServiceSync.Response">
            <persons><person>
              <iin>{iin}</iin><surname>Серикбаев</surname><name>Нурлан</name>
              <birthDate>1990-05-15</birthDate>
              <gender><code>M</code><nameRu>Мужской</nameRu></gender>
              <citizenship><code>KZ</code></citizenship>
              <lifeStatus><code>ALIVE</code></lifeStatus>
              <regAddress><regionCode>75</regionCode><region>г. Алматы</region>
                <regionKz>Алматы қ.</regionKz><district>Бостандыкский</district>
                <locality>Алматы</locality><street>Абая</street><house>1</house></regAddress>
              <documents/>
            </person></persons>
            <messageResult><code>00000</code></messageResult>
          </data>
        </responseData>
      </response>
    </t:SendMessageResponse>
  </soap:Body>
</soap:Envelope>
"""

FAULT = """<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
  <soap:Body>
    <soap:Fault>
      <faultcode>SCE003</faultcode>
      <faultstring>Сервис поставщика временно недоступен</faultstring>
      <detail>
        <t:SendMessageFault1_SendMessageFault xmlns:t="http://bip.bee.kz/SyncChannel/v10/Types">
          <errorCode>SCE003</errorCode>
          <errorMessage>Сервис поставщика временно недоступен</errorMessage>
          <errorDate>2026-11-22T10:00:01</errorDate>
        </t:SendMessageFault1_SendMessageFault>
      </detail>
    </soap:Fault>
  </soap:Body>
</soap:Envelope>
"""


@dataclass
class Stub:
    received: list[tuple[dict[str, str], etree._Element]] = field(default_factory=list)
    url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the stub stops: a silent call then ends, so the server can shut down."""

    async def send_message(self, request: Request) -> Response:
        envelope = etree.fromstring(await request.body())
        operation = assert_valid(envelope)
        self.received.append((dict(request.headers), envelope))
        info = operation.find("request/requestInfo")
        assert info is not None
        iin = operation.findtext("request/requestData/data/iin")
        if iin == FAILING:
            return Response(FAULT.encode(), 500, media_type=MEDIA)
        if iin == SILENT:
            await self.release.wait()
        answer = ANSWER.format(
            correlation=info.findtext("messageId"), session=info.findtext("sessionId"), iin=iin
        ).encode()
        assert_valid(answer)
        return Response(answer, media_type=MEDIA)


@asynccontextmanager
async def serving_stub() -> AsyncIterator[Stub]:
    """The stub behind a real uvicorn on a free port, for the test's lifetime."""
    stub = Stub()
    app = Starlette(routes=[Route("/soap/person", stub.send_message, methods=["POST"])])
    async with serving(uvicorn.Config(app, log_config=None, lifespan="off")) as (host, port):
        stub.url = f"http://{host}:{port}/soap/person"
        try:
            yield stub
        finally:
            stub.release.set()
