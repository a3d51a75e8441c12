"""ШЭП over SOAP 1.1: the real bus's protocol beside the JSON channels, on the same pipeline.

- `xml`: the hardened lxml parser every SOAP body goes through, and the namespaces;
- `payloads`: `data` as XML ↔ the registries' JSON, per serviceId, from their published schemas;
- `vocabulary`: payloads whose XML uses the real bus's own names (ГБД ФЛ's person answer);
- `envelope`: SendMessage request/response envelopes ↔ the JSON envelope of the pipeline;
- `faults`: a refusal (Problem with ErrorInfo) as a SOAP Fault;
- `wsdl`: the WSDL and XSDs the gateway serves (`?wsdl`, `?xsd=NAME`);
- `sync`: the ASGI endpoint on the configured SOAP paths;
- `wss`, `trust`, `security`: WS-Security — the XML signature (signxml), the signer's
  certificate at the test НУЦ, and who must sign; the gateway's own signature on its answers;
- `provider`: SendMessage to a SOAP provider a service's registry entry names.
"""
