"""SOAP examples for contracts/soap/examples/: the sync channel's call, its answer and every
fault it gives, written by the gateway's own code from the JSON examples beside them.

The request is what `gateway.soap.provider.write_request` sends a SOAP provider (with the
caller's password, as a client sends it); the answer is `envelope.write_response` of the JSON
example answer; each fault is the problem the pipeline raises for that code, through
`faults.error_info` and `faults.write_fault`, as `SoapFace.refuse` sends it. The signed pair is
signed by `wss.sign` with keys of personas/keys (RSA PKCS#1 v1.5 is deterministic, and the ids
are fixed, so the files are stable).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree

from contracts.examples import NOW, SESSION_ID, examples
from gateway.faults import InjectedFault
from gateway.soap import envelope, wss
from gateway.soap.faults import error_info, write_fault
from gateway.soap.payloads import Catalogue
from gateway.soap.provider import write_request
from gateway.sync_channel import gateway_fault
from gbd_fl.schemas import PersonAnswer, PersonRecord
from servicekit.envelope import ErrorInfo
from servicekit.errors import Problem
from servicekit.messages import texts_for

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "personas" / "keys"
PERSON_IIN = "900515310005"
CLIENT_KEY = "dealer_manager.p12"
"""Who signs the example request: an integrator's employee with a SIGN key of the test НУЦ."""
GATEWAY_KEY = "shep_gateway.p12"
"""The gateway's own key, which signs the example answer (`GATEWAY_SOAP_SIGNING_KEY`)."""
SERVICE = "GBDFL_UniversalServiceSync"


def _fault(code: str, status: int, **kwargs: Any) -> Problem:
    return gateway_fault(code, status, now=NOW, session_id=SESSION_ID, **kwargs)


def _refused(code: str, field: str) -> Problem:
    """The SOAP face's refusal of a body it cannot read (`SoapFace._refused`)."""
    errors = [{"code": code, "field": field, "messages": texts_for(code).render({})}]
    return _fault("INVALID_ENVELOPE", 400, field=field, errors=errors)


def _signature(code: str, status: int, reason: str | None = None) -> Problem:
    """A refusal of `security.Signatures.check`."""
    return _fault(
        code,
        status,
        field="Header.Security",
        error_data={"reason": reason} if reason else None,
        sender_id="my-system",
    )


def faults() -> dict[str, Problem]:
    """Every fault of the sync channel over SOAP, by file name."""
    person = {"service_id": SERVICE}
    provider_refusal = ErrorInfo(
        error_code="IIN_CHECK_DIGIT",
        error_message="Неверная контрольная цифра ИИН: проверьте номер",
        error_date=NOW,
    )
    soap_provider_fault = ErrorInfo(
        error_code="SCE003", error_message="Сервис поставщика временно недоступен", error_date=NOW
    )
    return {
        "invalid-envelope": _fault("INVALID_ENVELOPE", 400, field="requestInfo.messageDate"),
        "invalid-envelope-malformed-xml": _refused("MALFORMED_XML", "body"),
        "invalid-envelope-dtd": _refused("XML_DTD_FORBIDDEN", "body"),
        "invalid-envelope-soap12": _refused("SOAP_VERSION_MISMATCH", "body"),
        "invalid-envelope-not-sendmessage": _refused("SOAP_ENVELOPE_EXPECTED", "body"),
        "invalid-envelope-soapaction": _refused("SOAP_ACTION_UNKNOWN", "SOAPAction"),
        "not-ready": _fault("NOT_READY", 503),
        "authentication-failed": _fault(
            "AUTHENTICATION_FAILED", 401, field="requestInfo.sender", sender_id="my-system"
        ),
        "service-not-found": _fault(
            "SERVICE_NOT_FOUND", 404, field="requestInfo.serviceId", service_id="NO_SUCH_SERVICE"
        ),
        "access-denied": _fault(
            "ACCESS_DENIED",
            403,
            field="requestInfo.serviceId",
            sender_id="my-system",
            **person,
        ),
        "wrong-channel": _fault(
            "WRONG_CHANNEL",
            400,
            field="requestInfo.serviceId",
            service_id="GBDFL_UniversalServiceAsync",
        ),
        "route-not-found": _fault(
            "ROUTE_NOT_FOUND", 404, field="requestInfo.routeId", route_id="region-99", **person
        ),
        "provider-error": _fault(
            "PROVIDER_ERROR",
            422,
            field="requestData.data.iin",
            sub_error=provider_refusal,
            reason=provider_refusal.error_message,
            **person,
        ),
        "provider-error-soap-provider-fault": _fault(
            "PROVIDER_ERROR",
            502,
            sub_error=soap_provider_fault,
            reason=soap_provider_fault.error_message,
            **person,
        ),
        "provider-unavailable": _fault("PROVIDER_UNAVAILABLE", 503, **person),
        "provider-timeout": _fault("PROVIDER_TIMEOUT", 504, timeout_ms=5000, **person),
        "injected-sce003": _fault(
            "SCE003",
            503,
            problem_type=InjectedFault,
            message="Сервис временно недоступен (правило неисправности)",
            error_data={"faultRule": "r-1"},
            rule_id="r-1",
            reason="SCE003",
            **person,
        ),
        "wss-signature-required": _signature("WSS_SIGNATURE_REQUIRED", 401),
        "wss-signature-invalid": _signature(
            "WSS_SIGNATURE_INVALID", 401, "Digest mismatch for reference 0 (#id-body)"
        ),
        "wss-body-not-signed": _signature(
            "WSS_BODY_NOT_SIGNED", 400, "the signature does not cover the soap:Body"
        ),
        "wss-algorithm-unsupported": _signature(
            "WSS_ALGORITHM_UNSUPPORTED",
            400,
            "signature method urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411",
        ),
        "wss-key-unknown": _signature(
            "WSS_KEY_UNKNOWN", 400, "НУЦ knows no certificate by subject key identifier"
        ),
        "wss-cert-untrusted": _signature(
            "WSS_CERT_UNTRUSTED", 401, "issued by CN=Rogue Root (untrusted\\, emulator)"
        ),
        "wss-cert-expired": _signature(
            "WSS_CERT_EXPIRED", 401, "expired 2024-01-01 00:00:00+00:00"
        ),
        "wss-cert-not-yet-valid": _signature(
            "WSS_CERT_NOT_YET_VALID", 401, "valid from 2027-01-01 00:00:00+00:00"
        ),
        "wss-cert-revoked": _signature("WSS_CERT_REVOKED", 401, "revoked 2025-06-01T09:00:00Z"),
        "wss-nuc-unavailable": _signature(
            "WSS_NUC_UNAVAILABLE", 503, "PKI_CertificateStatus: PROVIDER_TIMEOUT"
        ),
    }


def _person_answer() -> dict[str, Any]:
    """ГБД ФЛ's whole answer for the main buyer persona: its seed record in its published
    model (the JSON example shows a few fields only; the SOAP vocabulary needs them all)."""
    seed = orjson.loads((ROOT / "gbd_fl" / "seed_data.json").read_bytes())
    record = next(p for p in seed["persons"] if p["iin"] == PERSON_IIN)
    names = {field.alias or name for name, field in PersonRecord.model_fields.items()}
    person = PersonRecord.model_validate({k: v for k, v in record.items() if k in names})
    answer: dict[str, Any] = PersonAnswer(found=True, person=person).model_dump(
        mode="json", by_alias=True
    )
    return answer


def _key(file: str) -> tuple[RSAPrivateKey, Any]:
    key, certificate, _ = pkcs12.load_key_and_certificates((KEYS / file).read_bytes(), b"Qwerty12")
    assert isinstance(key, RSAPrivateKey)
    return key, certificate


def _pretty(message: bytes) -> str:
    return etree.tostring(
        etree.fromstring(message), xml_declaration=True, encoding="utf-8", pretty_print=True
    ).decode()


def soap_examples(catalogue: Catalogue) -> dict[str, str]:
    """Every SOAP example, by its path under contracts/soap/examples/."""
    json_examples = examples()
    request_document = orjson.loads(orjson.dumps(json_examples["sync/request.json"]))
    answer = orjson.loads(orjson.dumps(json_examples["sync/response.json"]))
    answer["responseData"]["data"] = _person_answer()
    request = write_request(request_document, catalogue)
    read = envelope.read_request(request, catalogue)
    response = envelope.write_response(answer, read, catalogue)
    client_key, client_certificate = _key(CLIENT_KEY)
    gateway_key, gateway_certificate = _key(GATEWAY_KEY)
    files = {
        "sync/SendMessage-request.xml": request,
        "sync/SendMessage-response.xml": response,
        # Pretty-printed before signing: whitespace inside the Body is signed as it stands.
        "sync/SendMessage-request-signed.xml": wss.sign(
            _pretty(request).encode(),
            client_key,
            client_certificate,
            ids=("id-body", "x509-client"),
        ),
        "sync/SendMessage-response-signed.xml": wss.sign(
            _pretty(response).encode(),
            gateway_key,
            gateway_certificate,
            ids=("id-body", "x509-gateway"),
        ),
    }
    for name, problem in faults().items():
        info = error_info(problem, now=NOW, session_id=str(SESSION_ID))
        files[f"sync/fault-{name}.xml"] = write_fault(info)
    return {
        name: content.decode() if name.endswith("-signed.xml") else _pretty(content)
        for name, content in files.items()
    }
