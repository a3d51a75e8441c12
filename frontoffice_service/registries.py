"""The registries the desks ask through the gateway (G2), by the kit's adapters
(`servicekit.registries`), which read each answer as its model and translate every fault once.

A registry's refusal of the request is passed on as the registry's own (its status, code and
texts, on the desk's field that the refused data came from); a registry out of reach, slow,
failing or answering outside its contract is a 503 naming it: no check, no decision (G3).
"""

from __future__ import annotations

from collections.abc import Mapping

from servicekit.gateway_client import GatewayClient
from servicekit.registries import Operation, RegistryRefused, RegistryUnavailable
from servicekit.registries.base import AnswerT, RequestT


async def ask(
    gateway: GatewayClient,
    operation: Operation[RequestT, AnswerT],
    request: RequestT,
    *,
    step: str,
    fields: Mapping[str, str] | None = None,
    unavailable: str = "REGISTRY_UNAVAILABLE",
) -> AnswerT:
    """The registry's answer to `request` at `step`. Its refusal is the desk's refusal as the
    registry put it, on the desk's field named in `fields` for each field of the request;
    anything else that is not an answer is the 503 `unavailable`, to try again."""
    try:
        reply = await operation(gateway, request)
    except RegistryRefused as refused:
        raise refused.passed_on(step, fields) from None
    except RegistryUnavailable as failed:
        raise failed.refusal(step, unavailable) from None
    return reply.answer
