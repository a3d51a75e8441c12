"""The emulator's HTTP contract: which persona's keys the pages get, and where the wss is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from servicekit.signatures import KeyUsage


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PersonaChoice(Contract):
    """What the user does in NCALayer's dialog, chosen by a tester instead."""

    persona: str | None = Field(
        description="the persona (`personas/keys/<persona>.p12`) whose keys the next requests "
        "sign with; null: the user closes the dialog, every request answers cancelled",
        examples=["buyer"],
    )
    password: str | None = Field(
        default=None,
        description="the password the user types; unset: the keys' own (a wrong one makes "
        "every signing answer NCALayer's wrong-password failure)",
    )


class PersonaCard(Contract):
    persona: str
    common_name: str = Field(description="CN of the persona's certificate")
    iin: str | None
    bin: str | None
    key_usages: list[KeyUsage] = Field(description="SIGN (`<persona>.p12`), AUTH (`.auth.p12`)")


class Chosen(Contract):
    persona: str | None = Field(description="null: no key chosen, requests are cancelled")
    password_given: bool = Field(description="a password other than the keys' own is set")


class WebSocketInfo(Contract):
    url: str = Field(description="where pages connect, `wss://127.0.0.1:13579` by default")
    certificate: str = Field(
        description="the listener's certificate chain (PEM), issued by the test НУЦ at start: "
        "pin it, or trust the test root instead"
    )
