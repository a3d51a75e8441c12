"""servicekit.yaml_files reads as `yaml.safe_load` does, in C where PyYAML has libyaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from servicekit import yaml_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["personas/catalogue.yaml", "gateway/registry.yaml"])
def test_the_files_read_at_every_start_read_as_safe_load_reads_them(path: str) -> None:
    text = (ROOT / path).read_text(encoding="utf-8")
    assert yaml_files.load(text) == yaml.safe_load(text)


def test_it_is_the_c_loader_where_pyyaml_has_libyaml() -> None:
    assert yaml.__with_libyaml__, "PyYAML's wheels are built with libyaml"
    assert yaml_files._SAFE_LOADER is yaml.CSafeLoader


def test_a_python_tag_is_refused_not_run() -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        yaml_files.load("!!python/object/apply:os.system ['true']")
