"""Build a service's settings and app from its name (the launcher's only way in)."""

from __future__ import annotations

import importlib
from typing import Any

from fastapi import FastAPI

from servicekit.bus import InMemoryBroker
from servicekit.settings import ServiceSettings
from servicekit.topology import ServiceSpec


def _load(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def settings_class(service: ServiceSpec) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = _load(service.settings_class)
    return cls


def build_app(
    service: ServiceSpec, broker: InMemoryBroker | None = None, **overrides: Any
) -> FastAPI:
    """The service's app, its settings read from the environment with `overrides` on top.
    Without a broker URL its bus is on `broker`, the one of the embedded bus it is part of."""
    settings = settings_class(service)(**overrides)
    app: FastAPI = _load(service.app_factory)(settings)
    app.state.broker = broker
    return app
