"""ИИН and БИН are masked in every log line, whichever logger wrote it."""

import json
import logging

import httpx
import pytest
import structlog
from fastapi import FastAPI

from servicekit.errors import install_problem_handlers
from servicekit.http_clients import async_client
from servicekit.logging import configure_logging, mask_identifiers, mask_secrets


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("900515300018", "90051*****18"),
        ("ИИН 900515300018, БИН 940140000385", "ИИН 90051*****18, БИН 94014*****85"),
        ("/persons/900515300018?x=1", "/persons/90051*****18?x=1"),
        ("phone +77012345601", "phone +77012345601"),  # 11 digits: not an identifier
        ("1234567890123", "1234567890123"),  # 13 digits: not an identifier
        ("no digits", "no digits"),
        # A message id whose last group happens to be all digits (one UUID in ~280) is not a
        # person's; an identifier after a hyphen still is.
        ("a22bdaa3-01c9-49a5-b1a8-158461603841", "a22bdaa3-01c9-49a5-b1a8-158461603841"),
        ("ИИН-900515300018", "ИИН-90051*****18"),
        ("b1a8-158461603841", "b1a8-15846*****41"),
    ],
)
def test_mask_identifiers(text: str, masked: str) -> None:
    assert mask_identifiers(text) == masked


def test_structlog_and_stdlib_lines_are_masked_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    try:
        structlog.get_logger("test").info(
            "person 900515300018 checked", iin="900515300018", nested={"bin": [940140000385]}
        )
        logging.getLogger("uvicorn.access").info('"GET /persons/%s HTTP/1.1" 200', "900515300018")
        structlog.get_logger("test").info("ИИН900515300018")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        configure_logging()
    assert lines[0]["event"] == "person 90051*****18 checked"
    assert lines[0]["iin"] == "90051*****18"
    assert lines[0]["nested"] == {"bin": ["94014*****85"]}
    assert lines[1]["event"] == '"GET /persons/90051*****18 HTTP/1.1" 200'
    assert lines[2]["event"] == "ИИН90051*****18"
    assert "900515300018" not in json.dumps(lines)


def test_masking_can_be_switched_off(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, mask=False)
    try:
        structlog.get_logger("test").info("checked", iin="900515300018")
        line = json.loads(capsys.readouterr().err.splitlines()[0])
    finally:
        configure_logging()
    assert line["iin"] == "900515300018"


# --- an unhandled error: the traceback must not hand out what was in its frames ---

_IIN = "900515300018"
_PASSWORD = "s3cret-Sender-pw"
_TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiI5MDA1MTUzMDAwMTgifQ.c2lnbmF0dXJl"


def _failing_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/work")
    async def work() -> None:
        # Locals as an endpoint has them: the person, the sender's password, the caller's token.
        iin = _IIN
        sender = {"senderId": "frontoffice", "password": _PASSWORD}
        authorization = f"Bearer {_TOKEN}"
        state = {"held": "only-in-a-frame"}
        assert state
        raise RuntimeError(
            f"lookup of {iin} failed for {sender} with {authorization}", ["x" * 1000] * 2000
        )

    return app


@pytest.mark.parametrize("json_lines", [False, True], ids=["console", "json"])
async def test_an_unhandled_error_logs_no_locals_and_no_secrets(
    capsys: pytest.CaptureFixture[str], json_lines: bool
) -> None:
    configure_logging(json=json_lines)
    try:
        transport = httpx.ASGITransport(app=_failing_app(), raise_app_exceptions=False)
        async with async_client(transport=transport, base_url="http://test") as client:
            reply = await client.post("/work")
        # uvicorn logs what escapes the app the same way.
        try:
            raise ValueError(f"password={_PASSWORD} iin={_IIN}")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        output = capsys.readouterr().err
    finally:
        configure_logging()
    assert reply.status_code == 500
    # The errors themselves are there, with their (masked) messages.
    assert "lookup of 90051*****18 failed" in output
    assert "ValueError: password=***" in output
    for secret in (_IIN, _PASSWORD, _TOKEN, _TOKEN[:20]):
        assert secret not in output
    assert "90051*****18" in output
    assert "only-in-a-frame" not in output  # locals are not rendered
    assert len(output) < 40_000


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"),
        ('{"password": "pw \\" x", "senderId": "a"}', '{"password": "***", "senderId": "a"}'),
        ("Sender(sender_id='a', password='pw')", "Sender(sender_id='a', password='***')"),
        ("sender_password=pw other=1", "sender_password=*** other=1"),
        ('\\"password\\":\\"pw\\"', '\\"password\\":\\"***\\"'),
        ("(b'authorization', b'Bearer abc')", "(b'authorization', b'Bearer ***')"),
        ("admin_token='egov-admin'", "admin_token='***'"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "token ***"),
        ("passwords checked: 3", "passwords checked: 3"),
        (
            "\x1b[36msender_password\x1b[0m=\x1b[35mpw\x1b[0m \x1b[36mn\x1b[0m=1",
            "\x1b[36msender_password\x1b[0m=\x1b[35m***\x1b[0m \x1b[36mn\x1b[0m=1",
        ),
    ],
)
def test_mask_secrets(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked
