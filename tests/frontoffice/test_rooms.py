"""The rooms of ИИС ЦОН 2.0 keep to their doors: the front-office desk and the provider's desk
never import each other, the application's own package imports neither (nor the archive), and
no room but the provider's reaches into its machinery registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "frontoffice_service"
DESK = "frontoffice_service.machinery.desk"
PROVIDER = "frontoffice_service.provider"
ARCHIVE = "frontoffice_service.archive"
REGISTRY = "frontoffice_service.provider.machine_registry"


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SERVICE.parent).with_suffix("").parts).removesuffix(
        ".__init__"
    )


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


MODULES = {_module(p): _imports(p) for p in sorted(SERVICE.rglob("*.py"))}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


@pytest.mark.parametrize(
    ("room", "forbidden"),
    [
        (DESK, (PROVIDER, ARCHIVE)),
        (PROVIDER, (DESK,)),
        (ARCHIVE, (DESK, PROVIDER)),
    ],
    ids=["the desk", "the provider", "the archive"],
)
def test_a_room_does_not_import_another_desk(room: str, forbidden: tuple[str, ...]) -> None:
    offenders = [
        f"{module} → {name}"
        for module, names in MODULES.items()
        if _within(module, room)
        for name in names
        if any(_within(name, other) for other in forbidden)
    ]
    assert offenders == []


def test_the_application_package_imports_none_of_its_rooms() -> None:
    core = [m for m in MODULES if _within(m, "frontoffice_service.machinery")]
    offenders = [
        f"{module} → {name}"
        for module in core
        if not _within(module, DESK)
        for name in MODULES[module]
        if any(_within(name, room) for room in (DESK, PROVIDER, ARCHIVE))
    ]
    assert offenders == []


def test_only_the_provider_reaches_into_its_registry() -> None:
    offenders = [
        f"{module} → {name}"
        for module, names in MODULES.items()
        if not _within(module, PROVIDER)
        and module not in {"frontoffice_service.app", "frontoffice_service.tables"}
        for name in names
        if _within(name, REGISTRY)
    ]
    assert offenders == []
