"""Sender passwords: scrypt once per stored hash, remembered across the registry's snapshots,
and never a pass for a password the registry no longer holds (gateway.passwords)."""

from __future__ import annotations

import pytest

from gateway import passwords, registry
from gateway.models import Sender
from gateway.passwords import VerifiedCache, hash_password


@pytest.fixture
def scrypts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password scrypt is run for, with a fresh memory of the checks."""
    runs: list[str] = []
    verify = passwords.verify_password

    def counted(password: str, encoded: str) -> bool:
        runs.append(password)
        return verify(password, encoded)

    monkeypatch.setattr(passwords, "verify_password", counted)
    monkeypatch.setattr(registry, "VERIFIED", VerifiedCache())
    return runs


def _snapshot(password_hash: str, *, enabled: bool = True) -> registry.Registry:
    sender = Sender(sender_id="dealer", name="Dealer", password_hash=password_hash, enabled=enabled)
    return registry.Registry.build([], [sender], [], {})


def test_a_password_is_scrypted_once_whatever_the_snapshot(scrypts: list[str]) -> None:
    stored = hash_password("s3cret")
    assert _snapshot(stored).authenticate("dealer", "s3cret")
    # A tester's change to the registry makes a new snapshot: the check is remembered.
    assert _snapshot(stored).authenticate("dealer", "s3cret")
    assert scrypts == ["s3cret"]


def test_a_changed_password_takes_only_the_new_one(scrypts: list[str]) -> None:
    assert _snapshot(hash_password("old")).authenticate("dealer", "old")
    changed = _snapshot(hash_password("new"))
    assert not changed.authenticate("dealer", "old")
    assert changed.authenticate("dealer", "new")
    # The same password set again has a new salt: a new hash, checked again.
    again = hash_password("new")
    assert _snapshot(again).authenticate("dealer", "new")
    assert scrypts == ["old", "old", "new", "new"]


def test_a_wrong_password_is_never_remembered(scrypts: list[str]) -> None:
    stored = hash_password("s3cret")
    assert not _snapshot(stored).authenticate("dealer", "guess")
    assert not _snapshot(stored).authenticate("dealer", "guess")
    assert scrypts == ["guess", "guess"]


def test_a_disabled_sender_is_refused_though_its_password_was_checked(scrypts: list[str]) -> None:
    stored = hash_password("s3cret")
    assert _snapshot(stored).authenticate("dealer", "s3cret")
    assert not _snapshot(stored, enabled=False).authenticate("dealer", "s3cret")
    assert not _snapshot(stored).authenticate("stranger", "s3cret")
