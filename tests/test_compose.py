"""docker-compose.yml agrees with the code (there is no Docker engine here to try it).

The file is generated (`egov compose`); these tests check that the committed one is current
and that, read as YAML, it matches the topology, every service's settings and the Dockerfile.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from egov.compose import ADMIN_TOKEN, hostname, render
from egov.services import settings_class
from servicekit.admin import uses_default_token
from servicekit.settings import BUS_ADMIN_TOKEN
from servicekit.topology import SERVICES, ServiceSpec

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _service_folders() -> set[str]:
    """Every top-level folder with an app factory is a service of the bus."""
    return {p.parent.name for p in ROOT.glob("*/app.py") if p.parent.name != "servicekit"}


def test_committed_file_is_what_the_code_generates() -> None:
    assert (ROOT / "docker-compose.yml").read_text(encoding="utf-8") == render(), (
        "docker-compose.yml is stale: run `egov compose > docker-compose.yml`"
    )


def test_every_service_folder_is_in_the_topology_and_in_compose() -> None:
    assert _service_folders() == {s.name for s in SERVICES}
    for service in SERVICES:
        assert hostname(service) in COMPOSE["services"], service.name


def test_backends_have_health_checks() -> None:
    for backend in ("postgres", "rabbitmq"):
        assert COMPOSE["services"][backend]["healthcheck"]["test"]


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_service_matches_its_settings(
    service: ServiceSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry: dict[str, Any] = COMPOSE["services"][hostname(service)]
    assert entry["command"] == ["egov", "serve", service.name]
    assert entry["ports"] == [
        f"{port}:{port}" for port in (service.port, *(p for _, p in service.extra_ports))
    ]
    assert entry["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "rabbitmq": {"condition": "service_healthy"},
    }
    assert f":{service.port}/ready" in " ".join(entry["healthcheck"]["test"])

    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix")
    assert prefix == service.env_prefix
    fields = {f"{prefix}{name.upper()}" for name in cls.model_fields}
    environment: dict[str, str] = dict(entry["environment"])
    # The bus's admin token comes from the person starting compose, who must give one.
    assert environment.pop(BUS_ADMIN_TOKEN) == ADMIN_TOKEN
    assert ADMIN_TOKEN.startswith(f"${{{BUS_ADMIN_TOKEN}:?")
    assert set(environment) <= fields, set(environment) - fields
    # The variables really load into the settings from the environment, as in the container.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(BUS_ADMIN_TOKEN, "the tester's own")
    settings = cls()
    assert settings.admin_token.get_secret_value() == "the tester's own"
    assert not uses_default_token(settings)
    assert settings.port == service.port
    assert settings.database_url == (
        f"postgresql+asyncpg://egov:egov@postgres:5432/egov_{service.name}"
    )
    assert settings.amqp_url == "amqp://guest:guest@rabbitmq:5672/"
    assert settings.host == "0.0.0.0"


def test_gateway_reaches_every_provider_by_its_compose_name() -> None:
    environment = COMPOSE["services"]["gateway"]["environment"]
    providers = yaml.safe_load(environment["GATEWAY_PROVIDERS"])
    for service in SERVICES[1:]:
        assert providers[service.name] == f"http://{hostname(service)}:{service.port}"
        assert hostname(service) in COMPOSE["services"]


def test_image_contains_every_service() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "hatch"
    ]["build"]["targets"]["wheel"]["packages"]
    for folder in (*(s.name for s in SERVICES), "servicekit", "egov"):
        assert f"COPY {folder} {folder}" in dockerfile, folder
        assert folder in packages, folder
