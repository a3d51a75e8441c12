"""The repository's pages work offline, from a clone: every relative link of every Markdown
file points at a file of the repository and, with `#anchor`, at one of its headings (as
GitHub makes anchors); texts that cite the design notes cite the copies under docs/."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".git", ".venv", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache", "data"}
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def _pages() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.md")
        if not SKIPPED.intersection(path.relative_to(ROOT).parts)
    )


def _prose(text: str) -> str:
    return INLINE_CODE.sub("", FENCE.sub("", text))


def anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as
    hyphens, a repeated one numbered."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in LINK.findall(_prose(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(f"{target}: no such file in the repository")
        elif (
            anchor
            and resolved.suffix == ".md"
            and anchor not in anchors(resolved.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return broken


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_a_broken_link_or_anchor_is_found(tmp_path: Path) -> None:
    page = ROOT / "docs" / "walkthrough.md"
    assert "before-you-start-what-trips-people-up" in anchors(page.read_text(encoding="utf-8"))
    assert "test-personas" in anchors((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "ports" in anchors((ROOT / "README.md").read_text(encoding="utf-8"))
    probe = ROOT / "docs" / "_probe_links.md"
    probe.write_text(
        "[a](missing.md) [b](walkthrough.md#nowhere) [c](../README.md#ports) "
        "`[d](ignored.md)` [e](https://example.org)\n",
        encoding="utf-8",
    )
    try:
        assert broken_links(probe) == [
            "missing.md: no such file in the repository",
            "walkthrough.md#nowhere: no heading #nowhere in walkthrough.md",
        ]
    finally:
        probe.unlink()


def test_nothing_links_outside_the_repository() -> None:
    """The design notes are read from docs/: ../shared is not shipped with the repository."""
    for page in _pages():
        assert "../shared/" not in page.read_text(encoding="utf-8"), page


def test_answers_cite_the_reference_inside_the_repository() -> None:
    """Texts the APIs answer with (contracts, seeds, the checklists' sources) cite
    docs/kz-reference.md, which a reader of the answer can open."""
    assert (ROOT / "docs" / "kz-reference.md").is_file()
    served = [
        *ROOT.glob("contracts/**/*.json"),
        *ROOT.glob("*/seed_data.json"),
        ROOT / "frontoffice_service" / "machinery" / "catalogue.py",
    ]
    bare = re.compile(r"(?<!docs/)kz-reference(?!\.md)")
    offenders = []
    for path in served:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            text = "\n".join(re.findall(r'^[A-Z_]+ = "[^"]*"', text, re.MULTILINE))
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in bare.finditer(text)]
    assert offenders == []
