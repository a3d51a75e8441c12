"""The sync envelope is strict: ШЭП's field names, required fields, lengths, no extras."""

import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from servicekit.envelope import SUCCESS, SyncRequest, new_request, response_to


def _valid() -> dict[str, object]:
    return {
        "requestInfo": {
            "messageId": str(uuid.uuid4()),
            "serviceId": "GBDFL_UniversalServiceSync",
            "messageDate": "2026-11-22T10:00:00+05:00",
            "sender": {"senderId": "portal", "password": "p"},
            "properties": [{"key": "k", "value": "v"}],
        },
        "requestData": {"data": {"iin": "900515300018"}},
    }


def test_round_trip_keeps_the_schema_names() -> None:
    request = SyncRequest.model_validate(_valid())
    dumped = request.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert set(dumped["requestInfo"]) == {
        "messageId",
        "serviceId",
        "messageDate",
        "sender",
        "properties",
    }


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        (("requestInfo", "messageId"), "not-a-uuid", "uuid_parsing"),
        (("requestInfo", "messageDate"), "2026-11-22T10:00:00", "timezone_aware"),
        (("requestInfo", "serviceId"), "", "string_too_short"),
        (("requestInfo", "properties"), [{"key": "k" * 31, "value": "v"}], "string_too_long"),
        (("requestInfo", "properties"), [{"key": "k", "value": "v" * 501}], "string_too_long"),
        (("requestInfo", "sender"), {"password": "p"}, "missing"),
        (("requestInfo", "unexpected"), 1, "extra_forbidden"),
    ],
)
def test_invalid_envelopes_are_refused(path: tuple[str, str], value: object, error: str) -> None:
    body = _valid()
    body[path[0]][path[1]] = value  # type: ignore[index]
    with pytest.raises(ValidationError) as caught:
        SyncRequest.model_validate(body)
    assert error in {e["type"] for e in caught.value.errors()}


def test_response_correlates_to_the_request_and_keeps_the_session() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    request = new_request("S", {"a": 1}, sender_id="x", password=None, now=now)
    session = uuid.uuid4()
    stamped = request.model_copy(
        update={"request_info": request.request_info.model_copy(update={"session_id": session})}
    )
    response = response_to(stamped, {"ok": True}, now=now)
    info = response.response_info
    assert info.correlation_id == request.request_info.message_id
    assert info.session_id == session
    assert info.status.code == SUCCESS
    assert info.message_id != request.request_info.message_id
