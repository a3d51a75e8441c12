"""Requests sent at once to one application, and what the database must make of them."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Sequence

import httpx

CONFLICTS = {"APPLICATION_CHANGED", "APPLICATION_WRONG_STEP"}
"""What a step that lost the race is told: changed under it, or already past its step."""


async def one_made(requests: Sequence[Awaitable[httpx.Response]]) -> httpx.Response:
    """The one request the portal made, once all were sent at once: every other one got 409
    with a conflict code — no 500, no request left hanging."""
    replies = await asyncio.gather(*requests, return_exceptions=True)
    answered = [r for r in replies if isinstance(r, httpx.Response)]
    outcomes = Counter(r.status_code if isinstance(r, httpx.Response) else repr(r) for r in replies)
    assert outcomes == {200: 1, 409: len(requests) - 1}, [r.text for r in answered]
    assert {r.json()["code"] for r in answered if r.status_code == 409} <= CONFLICTS
    (made,) = [r for r in answered if r.status_code == 200]
    return made
