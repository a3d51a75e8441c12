"""contracts/collection/: every request names an operation of the services' OpenAPI, and the
generator stops on one that is gone (its drift is checked in `tests/test_contracts.py`)."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import ROOT, collection
from egov.machinery_flow import MachineryClient, photo, scan_png
from egov.signin import sign, sign_b64
from servicekit.clock import bus_clock
from servicekit.http_clients import async_client
from servicekit.topology import SERVICES
from tests.harness import eventually, running_bus

FILES = sorted((ROOT / "collection").glob("*.http"))
SPECS: dict[str, dict[str, Any]] = {
    s.name: json.loads((ROOT / "openapi" / f"{s.name}.json").read_text(encoding="utf-8"))
    for s in SERVICES
}
REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \{\{(\w+)\}\}(\S*)$")


def _requests(path: Path) -> list[tuple[str, str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = REQUEST.match(line)
        if match:
            method, service, target = match.groups()
            found.append((method, service, target.partition("?")[0]))
    return found


def _template(path: str) -> re.Pattern[str]:
    # A spec parameter stands for one segment; the collection fills it with a value or with
    # a `{{…}}` reference to an earlier answer.
    parts = re.split(r"\{[^/{}]+\}", path)
    return re.compile("[^/]+".join(re.escape(p) for p in parts) + "$")


def test_the_collection_covers_both_processes_and_the_tester_controls() -> None:
    assert [f.name for f in FILES] == [
        "machinery-registration.http",
        "tester-controls.http",
        "vin-registration.http",
    ]
    vin = (ROOT / "collection" / "vin-registration.http").read_text(encoding="utf-8")
    for step in ("V1 ", "V2–V5", "V9", "V10", "V15", "V16", "V17", "V18", "V19", "V20", "V22"):
        assert f"### {step}" in vin, step
    machinery = (ROOT / "collection" / "machinery-registration.http").read_text(encoding="utf-8")
    for step in ("M5", "M6.1", "M6.2", "M6.3", "M6.4", "M6.5", "M10.4", "M11", "M15", "M17"):
        assert f"### {step}" in machinery, step


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_request_names_an_operation_of_the_spec(path: Path) -> None:
    requests = _requests(path)
    assert requests
    for method, service, target in requests:
        operations = [
            template
            for template, methods in SPECS[service]["paths"].items()
            if method.lower() in methods and _template(template).match(target)
        ]
        assert operations, f"{path.name}: no {method} {target} in {service}'s OpenAPI"


def test_generation_stops_on_a_route_the_spec_no_longer_has() -> None:
    specs = copy.deepcopy(SPECS)
    specs["registration_service"]["paths"]["/dealer/applications/{application_id}/vins"] = specs[
        "registration_service"
    ]["paths"].pop("/dealer/applications/{application_id}/vin")
    with pytest.raises(KeyError, match=re.escape("PUT /dealer/applications/{application_id}/vin")):
        collection.documents(specs)


# --- the VIN registration, run as a REST Client user runs it ------------------------------


@dataclass
class _Request:
    title: str
    notes: list[str]
    name: str | None
    method: str
    url: str
    headers: dict[str, str]
    body: str


def _parse(text: str) -> tuple[dict[str, str], list[_Request]]:
    """The file variables and the requests of an `.http` file (the subset the generator
    writes: comments, `# @name`, the request line, headers, a blank line, the body)."""
    head, *blocks = re.split(r"^### ", text, flags=re.MULTILINE)
    variables = {}
    for line in head.splitlines():
        if line.startswith("@"):
            key, _, value = line[1:].partition("=")
            variables[key.strip()] = value.strip()
    requests = []
    for block in blocks:
        title, *lines = block.strip("\n").splitlines()
        notes = [line[2:] for line in lines if line.startswith("# ")]
        name = next((n.removeprefix("@name ") for n in notes if n.startswith("@name ")), None)
        rest = [line for line in lines if not line.startswith("#")]
        method, url = rest[0].split(" ", 1)
        blank = rest.index("") if "" in rest else len(rest)
        headers = dict(line.split(": ", 1) for line in rest[1:blank])
        body = "\n".join(rest[blank + 1 :]).strip()
        requests.append(_Request(title, notes, name, method, url, headers, body))
    return variables, requests


INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _instants_not_in_utc(answer: Any) -> list[str]:
    """Every instant of an answer, at any depth, that is not written as the bus writes
    instants (RFC 3339, UTC, `Z`: CONTRIBUTING.md); a `local…` field is the Almaty wall
    clock on purpose."""
    if isinstance(answer, dict):
        return [
            bad
            for key, value in answer.items()
            if not key.startswith("local")
            for bad in _instants_not_in_utc(value)
        ]
    if isinstance(answer, list):
        return [bad for value in answer for bad in _instants_not_in_utc(value)]
    if isinstance(answer, str) and INSTANT.match(answer) and not answer.endswith("Z"):
        return [answer]
    return []


def _lookup(answer: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+", path):
        answer = answer[int(part)] if isinstance(answer, list) else answer[part]
    return answer


class _Runner:
    """Sends the requests in order, filling `{{…}}` as REST Client does, and the `@…Cms`
    variables by following the request's own comment: `egov sign` of the previous answer's
    challenge (`--auth`) or document, as the persona it names."""

    def __init__(
        self, variables: dict[str, str], ports: dict[str, int], *, patient: bool = False
    ) -> None:
        self.patient = patient
        """Whether an empty answer to a GET is waited out: what crosses the bus comes later."""
        self.variables = variables
        for service, port in ports.items():
            self.variables[service] = f"http://127.0.0.1:{port}"
        self.answers: dict[str, Any] = {}
        self.last: Any = None

    def fill(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            ref = match.group(1)
            if ref == "$guid":
                return str(uuid.uuid4())
            if ref == "$datetime iso8601":
                return bus_clock.now().isoformat()
            if ".response.body.$" in ref:
                name, _, path = ref.partition(".response.body.$")
                return str(_lookup(self.answers[name], path))
            return self.variables[ref]

        return re.sub(r"\{\{([^}]+)\}\}", value, text)

    def sign_as_told(self, request: _Request) -> None:
        told = next((n for n in request.notes if "egov sign" in n), None)
        pasted = re.search(r"\{\{(\w+Cms)\}\}", request.body)
        if told is None or pasted is None:
            return
        who = re.search(r"--persona (\w+)", told)
        assert who is not None, told
        if "--auth" in told:
            data = self.last["challenge"].encode()
            self.variables[pasted.group(1)] = sign(who.group(1), data, auth=True)
        else:
            self.variables[pasted.group(1)] = sign_b64(who.group(1), self.last["document"])

    async def send(
        self, http: httpx.AsyncClient, request: _Request, content: bytes | None = None
    ) -> None:
        self.sign_as_told(request)
        body: str | bytes | None = self.fill(request.body) if request.body else content
        headers = {k: self.fill(v) for k, v in request.headers.items()}
        url = self.fill(request.url)
        deadline = time.monotonic() + 60
        while True:
            # What crosses the bus (the police case, the ЦОН's documents) comes a moment
            # later: a person would look again (for long on a loaded machine).
            reply = await http.request(request.method, url, content=body, headers=headers)
            empty = reply.status_code == 404 or reply.text == "[]"
            if not (self.patient and request.method == "GET" and empty):
                break
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        # A request whose title names a refusal, "(422 FEES_NOT_PAID …", expects it.
        refusal = re.search(r"\((\d{3}) ([A-Z_]+)", request.title)
        if refusal:
            assert reply.status_code == int(refusal[1]), f"{request.title}: {reply.text}"
            assert reply.json()["code"] == refusal[2], f"{request.title}: {reply.text}"
        else:
            assert reply.status_code in (200, 201, 204), f"{request.title}: {reply.text}"
        self.last = reply.json() if reply.content else None
        assert _instants_not_in_utc(self.last) == [], f"{request.title}: {reply.text}"
        if request.name:
            self.answers[request.name] = self.last


async def test_the_vin_collection_registers_a_vehicle(tmp_path: Path) -> None:
    variables, requests = _parse((ROOT / "collection" / "vin-registration.http").read_text())
    async with running_bus(tmp_path) as bus, async_client(timeout=30) as http:
        runner = _Runner(variables, bus.ports, patient=True)
        for request in requests:
            await runner.send(http, request)

        async def completed() -> bool:
            # The hand-over (V22) reaches the cabinet over the bus, after the ЦОН's answer.
            reply = await http.get(
                runner.fill(
                    "{{registration_service}}/cabinet/applications/{{app.response.body.$.id}}"
                ),
                headers={
                    "Authorization": runner.fill("Bearer {{buyer.response.body.$.accessToken}}")
                },
            )
            return bool(reply.json()["state"] == "COMPLETED")

        await eventually(completed)
    assert len(requests) > 25
    assert set(runner.answers) >= {"app", "plates", "chosen", "ticket", "dealer", "worker"}


@pytest.mark.step("M17")
async def test_the_machinery_collection_registers_a_tractor_and_hands_the_paper_over(
    tmp_path: Path,
) -> None:
    """The requests in order, with what their notes ask a person to fill: a minted machine,
    a photo, the package from the answer's checklist, one scan per presented document."""
    variables, requests = _parse((ROOT / "collection" / "machinery-registration.http").read_text())
    variables["photo"] = photo()
    async with running_bus(tmp_path) as bus, async_client(timeout=30) as http:
        runner = _Runner(variables, bus.ports, patient=True)
        minting = MachineryClient(lambda service: f"http://127.0.0.1:{bus.ports[service]}", http)
        runner.variables["machine"] = await minting.new_machine("buyer")
        for request in requests:
            if request.title.startswith("M6.2"):
                package = [
                    {"code": item["code"], "present": True, "valid": True}
                    for item in runner.answers["app"]["checklist"]
                ]
                runner.variables["documents"] = json.dumps(package)
            if request.title.startswith("M6.4"):
                for item in runner.answers["app"]["checklist"]:
                    runner.variables["scanCode"] = item["code"]
                    await runner.send(http, replace(request, body=""), content=scan_png())
                continue
            await runner.send(http, request)
    assert runner.last["status"] == "SIGNED", runner.last
    listed = [a["number"] for a in runner.last["content"]["applications"]]
    assert listed == [runner.answers["app"]["number"]]


async def test_the_tester_controls_answer_as_written(tmp_path: Path) -> None:
    variables, requests = _parse((ROOT / "collection" / "tester-controls.http").read_text())
    async with running_bus(tmp_path) as bus, async_client(timeout=30) as http:
        runner = _Runner(variables, bus.ports)
        for request in requests:
            await runner.send(http, request)
    assert runner.last["responseData"]["data"]["found"] is False  # the scenario's answer
