"""Every clause traceable: each step of the two processes and each of its branches
(`docs/steps.yaml`, from `shared/domain/processes.md`) → the code that implements it → the tests
that prove it → the demo branch that shows it. Found mechanically, never listed by hand:

- code: the modules of the state services that cite the step (a string equal to its ID, such as
  `step="M6.1"`, or its ID in a docstring or comment); a branch, where its key (a refusal code,
  a state, a constant) occurs in those modules;
- tests: a test proves a step by citing it in its name (`test_v14_…`, `test_m10_3_…`) or by the
  marker `@pytest.mark.step("V14")`, and a branch by the marker with its key,
  `@pytest.mark.step("V1", "SELLER_NOT_VEHICLE_TRADER")` (on the function, its class, or the
  module's `pytestmark`);
- demos: a branch of `egov demo vin` / `egov demo machinery` whose step is the step's and whose
  summary names the key.

`gaps()` lists what is not traceable; `tests/test_traceability.py` fails on any.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from servicekit import yaml_files

ROOT = Path(__file__).resolve().parents[1]
STEPS_FILE = ROOT / "docs" / "steps.yaml"
CODE_PACKAGES = ("registration_service", "frontoffice_service")
TESTS = ROOT / "tests"
MARKER = "step"


@dataclass(frozen=True, slots=True)
class Branch:
    key: str
    says: str


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    title: str
    branches: tuple[Branch, ...] = ()
    exception: bool = False
    """Only a failure walks it (M7, M8, M13): a range of steps does not include it."""


def steps() -> list[Step]:
    document = yaml_files.load(STEPS_FILE.read_text(encoding="utf-8"))
    return [
        Step(
            str(s["id"]),
            s["title"],
            tuple(Branch(b["key"], b["says"]) for b in s.get("branches", [])),
            bool(s.get("exception", False)),
        )
        for s in document["steps"]
    ]


def _mentions(step_id: str) -> re.Pattern[str]:
    """The ID as a word of prose: V1 in "V1–V9" but not in V10; M6.1 but not M6.10."""
    return re.compile(rf"(?<![\w.]){re.escape(step_id)}(?![\d])")


# --- the code ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Module:
    path: str
    """Relative to the repository, with forward slashes."""
    text: str
    strings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """String constants and the lines they are on; not the keys of dict literals (the texts of
    the codes, registered by code) nor docstrings."""
    names: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    """Names defined or used: variables, attributes, functions, classes."""

    @classmethod
    def read(cls, path: Path) -> Module:
        text = path.read_text(encoding="utf-8")
        module = cls(path.relative_to(ROOT).as_posix(), text)
        tree = ast.parse(text)
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                skip.update(id(k) for k in node.keys if k is not None)
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                skip.add(id(body[0].value))  # a docstring
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) not in skip:
                    module.strings[node.value].append(node.lineno)
            elif isinstance(node, ast.Name):
                module.names[node.id].append(node.lineno)
            elif isinstance(node, ast.Attribute):
                module.names[node.attr].append(node.lineno)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                module.names[node.name].append(node.lineno)
        return module

    def cites(self, step_id: str) -> bool:
        return step_id in self.strings

    def mentions(self, step_id: str) -> bool:
        return self.cites(step_id) or _mentions(step_id).search(self.text) is not None

    def lines_of(self, key: str) -> list[int]:
        return sorted(set(self.strings.get(key, [])) | set(self.names.get(key, [])))


def modules() -> list[Module]:
    found = []
    for package in CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                found.append(Module.read(path))
    return found


# --- the tests --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proof:
    """What a test proves: a step, or one of its branches (`key`)."""

    step: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Test:
    id: str
    """`folder/test_file.py::test_name`, relative to tests/."""
    proves: frozenset[Proof]
    markers: tuple[tuple[str, ...], ...]
    """The arguments of each `step` marker, to check against docs/steps.yaml."""


_NAMED = re.compile(r"(?<![a-z0-9])([vm])(\d{1,2})(?:_(\d))?(?![0-9])")


def named_steps(name: str, known: set[str]) -> set[str]:
    """The step IDs a test's name cites: test_v19_…_v20_… → V19, V20; test_m10_3_… → M10.3."""
    found = set()
    for letter, number, sub in _NAMED.findall(name):
        whole, part = f"{letter.upper()}{number}", f"{letter.upper()}{number}.{sub}"
        if sub and part in known:
            found.add(part)
        elif whole in known:
            found.add(whole)
    return found


def _markers(decorators: Sequence[ast.expr]) -> Iterator[tuple[str, ...]]:
    for decorator in decorators:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == MARKER
            and isinstance(decorator.func.value, ast.Attribute)
            and decorator.func.value.attr == "mark"
        ):
            yield tuple(
                a.value
                for a in decorator.args
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            )


def _module_markers(tree: ast.Module) -> list[tuple[str, ...]]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
        ):
            value = node.value
            listed = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            return list(_markers(listed))
    return []


def tests(known: set[str]) -> list[Test]:
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(TESTS).as_posix()
        inherited = _module_markers(tree)
        for node, outer in _test_functions(tree):
            markers = (*inherited, *outer, *_markers(node.decorator_list))
            proves = {Proof(s) for s in named_steps(node.name, known)}
            for marker in markers:
                if marker:
                    proves.add(Proof(marker[0]))
                    proves.update(Proof(marker[0], key) for key in marker[1:])
            found.append(Test(f"{where}::{node.name}", frozenset(proves), tuple(markers)))
    return found


def _test_functions(
    tree: ast.Module,
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[tuple[str, ...]]]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name.startswith("test"):
                yield node, []
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            outer = list(_markers(node.decorator_list))
            functions = [
                f for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            yield from ((f, outer) for f in functions if f.name.startswith("test"))


# --- the demos --------------------------------------------------------------------------------


def demo_branches() -> list[tuple[str, str, str]]:
    """(command, step, summary) of every demo branch."""
    from egov import machinery_demo, vin_demo

    return [
        *((f"vin {b.name}", b.step, b.summary) for b in vin_demo.BRANCHES.values()),
        *((f"machinery {b.name}", b.step, b.summary) for b in machinery_demo.BRANCHES.values()),
    ]


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    step: Step
    branch: Branch | None
    code: tuple[str, ...]
    tests: tuple[str, ...]
    demos: tuple[str, ...]


class Trace:
    def __init__(self) -> None:
        self.steps = steps()
        self.known = {s.id for s in self.steps}
        self.modules = modules()
        self.tests = tests(self.known)

    @cached_property
    def proofs(self) -> dict[Proof, list[str]]:
        by: dict[Proof, list[str]] = defaultdict(list)
        for test in self.tests:
            for proof in test.proves:
                by[proof].append(test.id)
        return dict(by)

    def rows(self) -> list[Row]:
        demos = demo_branches()
        rows = []
        for step in self.steps:
            citing = [m for m in self.modules if m.cites(step.id)]
            mentioning = [m for m in self.modules if m.mentions(step.id)]
            code = tuple(m.path for m in citing or mentioning)
            shown = tuple(
                command for command, where, _ in demos if step.id in _steps_of(where, self.steps)
            )
            rows.append(Row(step, None, code, tuple(self.proofs.get(Proof(step.id), [])), shown))
            for branch in step.branches:
                sites = tuple(
                    f"{m.path}:{line}" for m in mentioning for line in m.lines_of(branch.key)
                )
                shown = tuple(
                    command
                    for command, where, summary in demos
                    if step.id in _steps_of(where, self.steps) and branch.key in summary
                )
                proofs = tuple(self.proofs.get(Proof(step.id, branch.key), []))
                rows.append(Row(step, branch, sites, proofs, shown))
        return rows

    def gaps(self) -> list[str]:
        """What is not traceable: a step or branch without code or without a test, a marker
        that names no step or branch of docs/steps.yaml."""
        found = []
        for row in self.rows():
            what = row.step.id + (f" {row.branch.key}" if row.branch else "")
            if not row.code:
                found.append(f"{what}: no code cites it")
            if not row.tests:
                found.append(f"{what}: no test proves it")
        branches = {(s.id, b.key) for s in self.steps for b in s.branches}
        for test in self.tests:
            for marker in test.markers:
                if not marker or marker[0] not in self.known:
                    found.append(f"{test.id}: marker step{marker} names no step")
                    continue
                for key in marker[1:]:
                    if (marker[0], key) not in branches:
                        found.append(f"{test.id}: {marker[0]} has no branch {key}")
        return found


def _steps_of(where: str, steps: Sequence[Step]) -> set[str]:
    """The steps a demo branch's step field names: "V1", "M10.3, M13", or a range, "V1–V22"
    (every step from one to the other in docs/steps.yaml's order but the exceptions)."""
    order = [s.id for s in steps]
    found: set[str] = set()
    for part in re.split(r"[,\s]+", where):
        ends = part.split("–")
        if len(ends) == 1 and ends[0] in order:
            found.add(ends[0])
        elif all(end in order for end in ends):
            first, last = order.index(ends[0]), order.index(ends[-1])
            found.update(s.id for s in steps[first : last + 1] if not s.exception)
    return found


def _cell(items: Sequence[str]) -> str:
    return "<br>".join(f"`{item}`" for item in items) if items else "**—**"


def table() -> str:
    lines = [
        "# Traceability: step → code → tests",
        "",
        "Generated (`egov contracts`) from [`docs/steps.yaml`](../docs/steps.yaml) — the steps",
        "of `shared/domain/processes.md` and their branches — and from the code and the tests,",
        "found mechanically (how: `contracts/traceability.py`). A test proves a step by its name",
        '(`test_v14_…`) or by `@pytest.mark.step("V14")`, and a branch by the marker with the',
        'branch\'s key: `@pytest.mark.step("V1", "SELLER_NOT_VEHICLE_TRADER")`.',
        "`tests/test_traceability.py` fails while any step or branch has no code or no test.",
        "",
        "| step | branch | processes.md | code | tests | demo |",
        "|------|--------|--------------|------|-------|------|",
    ]
    for row in Trace().rows():
        if row.branch is None:
            first = f"**{row.step.id}**"
            branch, says = "", row.step.title
        else:
            first, branch, says = row.step.id, f"`{row.branch.key}`", row.branch.says
        cells = [
            first,
            branch,
            says.replace("|", "\\|"),
            _cell(row.code),
            _cell(row.tests),
            _cell([f"egov demo {d}" for d in row.demos]) if row.demos else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
