"""Registry checks through the gateway, each one stored as a `Check` with the gateway's
messageId, the registry, the answer and the time.

A registry that is down, slow or faulty is not a refusal: the request fails with 503
REGISTRY_UNAVAILABLE ("try again"), the application stays where it was, and the attempt is in
the history all the same (written after the request's rollback). Only the registry's own
answer decides: its data, or its refusal of the request (`servicekit.registries`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registration_service.models import Check
from servicekit.clock import Clock
from servicekit.correlation import correlate
from servicekit.db import Database, after_rollback, before_commit
from servicekit.gateway_client import GatewayClient
from servicekit.registries import Operation, RegistryRefused, RegistryUnavailable
from servicekit.registries.base import AnswerT, RequestT

_INSERT = insert(Check)


def _passes(_: Any) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Answer(Generic[AnswerT]):
    value: AnswerT | None
    """The registry's answer; None when it refused the request."""
    message_id: str
    failure: str | None
    """Why the check failed: the judge's code, or the registry's refusal's."""

    @property
    def passed(self) -> bool:
        return self.failure is None

    @property
    def answer(self) -> AnswerT:
        """The answer of a check that got one (every check that passed has one)."""
        assert self.value is not None, f"refused: {self.failure}"
        return self.value


class Checks:
    """The registry calls of one request, recorded against one application."""

    def __init__(
        self,
        session: AsyncSession,
        gateway: GatewayClient,
        db: Database,
        clock: Clock,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.session, self.gateway, self.db, self.clock = session, gateway, db, clock
        self.headers = headers or {}
        """A tester's X-Test-Scenario / X-Test-Run-Id, passed on to the gateway."""
        self._kept: list[dict[str, Any]] = []

    async def ask(
        self,
        step: str,
        operation: Operation[RequestT, AnswerT],
        request: RequestT,
        *,
        application_id: str | None,
        subject: str,
        judge: Callable[[AnswerT], str | None] = _passes,
    ) -> Answer[AnswerT]:
        """The registry's answer to `request`, judged: None from `judge` when the check passed,
        else the failure's code. The registry's refusal is a failed check with its code; any
        other failure is 503 REGISTRY_UNAVAILABLE."""
        check: dict[str, Any] = {
            "application_id": application_id,
            "subject": subject,
            "step": step,
            "service_id": operation.service_id,
            "checked_at": self.clock.now(),
            "session_id": None,
        }
        if application_id is not None:
            # Every call for one application, across its steps and days, is one conversation
            # in the gateway's journal.
            correlate(application_id)
        try:
            reply = await operation(self.gateway, request, headers=self.headers)
        except RegistryRefused as refused:
            # The registry refused the request itself (a plate taken meanwhile, a CMS that is
            # not one): an answer. Any other fault, whatever its status, is not.
            self._keep(
                check,
                message_id="",
                outcome="FAILED",
                code=refused.code,
                session_id=refused.session_id,
                answer=refused.document,
            )
            return Answer(None, "", refused.code)
        except RegistryUnavailable as unavailable:
            self._keep(
                check,
                message_id="",
                outcome="UNAVAILABLE",
                code=unavailable.fault,
                answer=unavailable.details,
            )
            raise unavailable.refusal(step) from unavailable
        failure = judge(reply.answer)
        self._keep(
            check,
            message_id=reply.message_id,
            outcome="PASSED" if failure is None else "FAILED",
            code=failure,
            session_id=reply.session_id,
            answer=reply.data,
        )
        return Answer(reply.answer, reply.message_id, failure)

    def _keep(self, check: dict[str, Any], **outcome: Any) -> None:
        """Written with the request's transaction, all of its checks in one executemany as it
        commits, or on their own if it rolls back. A prebuilt INSERT, not entities for the unit
        of work: the rows are only ever read back as history, by later requests."""
        if not self._kept:
            before_commit(self.session, self._write)
            after_rollback(self.session, self._write_alone)
        self._kept.append({**check, **outcome})

    async def _write(self) -> None:
        await self.session.execute(_INSERT, self._kept)

    async def _write_alone(self) -> None:
        async with self.db.sessionmaker.begin() as session:
            await session.execute(_INSERT, self._kept)
