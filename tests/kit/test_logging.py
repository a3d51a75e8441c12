"""ИИН and БИН are masked in every log line, whichever logger wrote it."""

import json
import logging

import pytest
import structlog

from servicekit.logging import configure_logging, mask_identifiers


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("900515300018", "90051*****18"),
        ("ИИН 900515300018, БИН 940140000385", "ИИН 90051*****18, БИН 94014*****85"),
        ("/persons/900515300018?x=1", "/persons/90051*****18?x=1"),
        ("phone +77012345601", "phone +77012345601"),  # 11 digits: not an identifier
        ("1234567890123", "1234567890123"),  # 13 digits: not an identifier
        ("no digits", "no digits"),
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
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        configure_logging()
    assert lines[0]["event"] == "person 90051*****18 checked"
    assert lines[0]["iin"] == "90051*****18"
    assert lines[0]["nested"] == {"bin": ["94014*****85"]}
    assert lines[1]["event"] == '"GET /persons/90051*****18 HTTP/1.1" 200'
    assert "900515300018" not in json.dumps(lines)


def test_masking_can_be_switched_off(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True, mask=False)
    try:
        structlog.get_logger("test").info("checked", iin="900515300018")
        line = json.loads(capsys.readouterr().err.splitlines()[0])
    finally:
        configure_logging()
    assert line["iin"] == "900515300018"
