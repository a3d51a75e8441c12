"""Run a Markdown page's shell blocks, in order, in one shell, and hold each to the output the
page shows for it: the walk-through (docs/walkthrough.md) cannot rot.

The page's convention: every ```sh block is run; a ```text block right after one is what it
prints — each of its lines must come out, in that order, where `…` stands for anything (an
id, a token, a time). Blocks run in one bash (`set -euo pipefail`), so variables carry from
one to the next, as in the reader's terminal; a failing command stops the run."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
DONE = "@@walkthrough-block-done"


@dataclass(frozen=True)
class Block:
    line: int
    """Where the block starts in the page (1-based), to name it in a failure."""
    script: str
    expected: tuple[str, ...]


def blocks(page: str) -> list[Block]:
    found: list[Block] = []
    fences = list(FENCE.finditer(page))
    for index, fence in enumerate(fences):
        if fence.group(1) != "sh":
            continue
        expected: tuple[str, ...] = ()
        after = fences[index + 1] if index + 1 < len(fences) else None
        adjacent = after is not None and not page[fence.end() : after.start()].strip()
        if after is not None and adjacent and after.group(1) == "text":
            expected = tuple(line for line in after.group(2).splitlines() if line.strip())
        found.append(Block(page.count("\n", 0, fence.start()) + 1, fence.group(2), expected))
    return found


def matches(expected: tuple[str, ...], output: str) -> str | None:
    """None when every expected line comes out in order; else the first that does not."""
    lines: Iterator[str] = iter(output.splitlines())
    for wanted in expected:
        pattern = re.compile(".*".join(re.escape(part) for part in wanted.strip().split("…")))
        if not any(pattern.fullmatch(line.strip()) for line in lines):
            return wanted
    return None


class Shell:
    """One bash the blocks are typed into, as a reader types them into a terminal."""

    def __init__(self, cwd: Path, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.send("set -euo pipefail")

    def send(self, script: str, timeout: float = 120.0) -> tuple[bool, str]:
        """Run `script`; (whether it ended well, what it printed)."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(f"{script}\nprintf '\\n{DONE}\\n'\n")
        self.process.stdin.flush()
        lines: list[str] = []
        timer = threading.Timer(timeout, self.process.kill)
        timer.start()
        try:
            for line in self.process.stdout:
                if line.rstrip("\n") == DONE:
                    return True, "".join(lines)
                lines.append(line)
        finally:
            timer.cancel()
        return False, "".join(lines)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def run_page(page: Path, cwd: Path, env: Mapping[str, str]) -> list[str]:
    """Every block of `page` run in order; the failures (none when the page holds)."""
    shell = Shell(cwd, env)
    try:
        for block in blocks(page.read_text(encoding="utf-8")):
            ok, output = shell.send(block.script)
            if not ok:
                return [f"{page.name}:{block.line}: the block failed:\n{block.script}\n{output}"]
            missing = matches(block.expected, output)
            if missing is not None:
                return [
                    f"{page.name}:{block.line}: no line {missing!r} in what the block "
                    f"printed:\n{block.script}\n--- printed:\n{output}"
                ]
    finally:
        shell.close()
    return []
