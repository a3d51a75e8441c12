"""Registry checks through the gateway, each one stored as a `Check` with the gateway's
messageId, the registry, the answer and the time.

A registry that is down, slow or faulty is not a refusal: the request fails with 503
REGISTRY_UNAVAILABLE ("try again"), the application stays where it was, and the attempt is in
the history all the same (written after the request's rollback). Only the registry's own
answer decides: its data, or its refusal of the request (`GatewayFault.refusal`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from registration_service.models import Check
from registration_service.problems import StepProblem
from servicekit.clock import Clock
from servicekit.db import Database, after_rollback, before_commit
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable
from servicekit.scenarios import relayed_refusal

log = structlog.get_logger(__name__)

REGISTRY_NAMES = {
    "GBDUL": "ГБД ЮЛ",
    "GBDFL": "ГБД ФЛ",
    "EPTS": "ЭПТС",
    "CUSTOMS": "КГД (таможенные платежи)",
    "RECYCLING": "Жасыл даму (утильплатёж)",
    "EDO": "система электронных договоров",
    "ERAP": "ЕРАП",
    "BMG": "БМГ",
    "PAYMENTS": "ПШЭП",
    "PKI": "НУЦ",
}

_INSERT = insert(Check)

Judge = Callable[[dict[str, Any]], str | None]
"""Reads a registry's answer: None when the check passed, else the failure's code."""


@dataclass(frozen=True, slots=True)
class Answer:
    data: dict[str, Any]
    message_id: str
    failure: str | None

    @property
    def passed(self) -> bool:
        return self.failure is None


def registry_name(service_id: str) -> str:
    return REGISTRY_NAMES.get(service_id.split("_", 1)[0], service_id)


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
        service_id: str,
        data: dict[str, Any],
        *,
        application_id: str | None,
        subject: str,
        judge: Judge = lambda _: None,
    ) -> Answer:
        check: dict[str, Any] = {
            "application_id": application_id,
            "subject": subject,
            "step": step,
            "service_id": service_id,
            "checked_at": self.clock.now(),
            "session_id": None,
        }
        try:
            response = await self.gateway.call(service_id, data, headers=self.headers)
        except GatewayFault as exc:
            mistake = relayed_refusal(exc.problem)
            if mistake is not None:
                raise mistake from None  # the tester's, not the registry's
            refused = exc.refusal
            if refused is None:
                raise await self._unavailable(check, exc.error.error_code, exc.problem) from exc
            # The registry refused the request itself (a plate taken meanwhile, a CMS that is
            # not one): an answer. Any other fault, whatever its status, is not.
            self._keep(
                check,
                message_id="",
                outcome="FAILED",
                code=refused.error_code,
                session_id=str(exc.error.session_id) if exc.error.session_id else None,
                answer=exc.problem,
            )
            return Answer(exc.problem, "", refused.error_code)
        except GatewayUnreachable as exc:
            raise await self._unavailable(
                check, "GATEWAY_UNREACHABLE", {"error": str(exc)}
            ) from exc
        answer = (
            response.response_data.data if isinstance(response.response_data.data, dict) else {}
        )
        failure = judge(answer)
        info = response.response_info
        message_id = str(info.message_id)
        self._keep(
            check,
            message_id=message_id,
            outcome="PASSED" if failure is None else "FAILED",
            code=failure,
            session_id=str(info.session_id) if info.session_id else None,
            answer=answer,
        )
        return Answer(answer, message_id, failure)

    async def _unavailable(
        self, check: dict[str, Any], fault: str, details: dict[str, Any]
    ) -> StepProblem:
        log.warning("registry unavailable", service_id=check["service_id"], fault=fault)
        self._keep(check, message_id="", outcome="UNAVAILABLE", code=fault, answer=details)
        return StepProblem(
            "REGISTRY_UNAVAILABLE",
            check["step"],
            status=503,
            registry=registry_name(check["service_id"]),
        )

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
