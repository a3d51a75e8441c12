"""Login tokens: issued by НУЦ, accepted by the state services; expiry by the bus clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from servicekit.clock import Clock
from servicekit.errors import Problem
from servicekit.tokens import TokenIssuer, TokenVerifier

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return clock


def _issue(clock: Clock, key: rsa.RSAPrivateKey = KEY, **kwargs: object) -> str:
    issuer = TokenIssuer(key, "nuc-1", clock)
    defaults: dict[str, object] = {
        "iin": "910814314075",
        "bin": "150440012354",
        "roles": ["dealer_employee"],
        "audience": "registration_service",
        "attributes": {"region": "02"},
    }
    return issuer.issue(**(defaults | kwargs))  # type: ignore[arg-type]


def _verifier(clock: Clock) -> TokenVerifier:
    return TokenVerifier(TokenIssuer(KEY, "nuc-1", clock).jwks(), clock)


def test_a_token_carries_who_signed_in(clock: Clock) -> None:
    principal = _verifier(clock).verify(_issue(clock), "registration_service")
    assert (principal.iin, principal.bin, principal.roles) == (
        "910814314075",
        "150440012354",
        ("dealer_employee",),
    )
    assert principal.attributes == {"region": "02"}
    assert principal.has("dealer_employee")
    assert not principal.has("police_officer")


def test_expiry_follows_the_bus_clock(clock: Clock) -> None:
    token = _issue(clock, lifetime=timedelta(minutes=30))
    clock.advance(timedelta(minutes=30))
    _verifier(clock).verify(token, "registration_service")  # within the leeway
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(token, "registration_service")
    assert (caught.value.code, caught.value.status) == ("TOKEN_EXPIRED", 401)


def test_a_token_for_another_service_is_refused(clock: Clock) -> None:
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(_issue(clock), "frontoffice_service")
    assert caught.value.code == "TOKEN_WRONG_AUDIENCE"


@pytest.mark.parametrize(
    "forge",
    [
        lambda clock: _issue(clock, key=OTHER_KEY),  # signed by someone else
        lambda clock: jwt.encode({"iin": "1", "aud": "registration_service"}, "s" * 32, "HS256"),
        lambda clock: _issue(clock)[:-4] + "AAAA",  # signature bytes changed
        lambda clock: "not a token",
    ],
)
def test_forged_tokens_are_refused(clock: Clock, forge: object) -> None:
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(forge(clock), "registration_service")  # type: ignore[operator]
    assert (caught.value.code, caught.value.status) == ("TOKEN_INVALID", 401)


def test_payload_tampering_is_refused(clock: Clock) -> None:
    header, payload, signature = _issue(clock).split(".")
    other_header, other_payload, _ = _issue(clock, iin="900515310005").split(".")
    with pytest.raises(Problem) as caught:
        _verifier(clock).verify(f"{header}.{other_payload}.{signature}", "registration_service")
    assert caught.value.code == "TOKEN_INVALID"
    del other_header, payload
