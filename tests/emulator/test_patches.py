"""The patch package itself: every patch pinned, documented, small, listed and tested."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import moto
import pytest

from prodstack.runtime import moto_patches

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "prodstack" / "runtime" / "moto_patches"
MAX_LINES = 300


ALL = (*moto_patches.PATCHES, *moto_patches.STRICT)


def test_every_module_is_listed_once():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_"))
    assert sorted(ALL) == modules
    assert len(set(ALL)) == len(ALL)


@pytest.mark.parametrize("name", ALL)
def test_module_is_pinned_documented_small_and_tested(name: str):
    path = PACKAGE / f"{name}.py"
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_LINES
    tree = ast.parse(source)
    doc = ast.get_docstring(tree) or ""
    assert "moto:" in doc and "AWS (" in doc and "reference" in doc, (
        f"{name}: the docstring names the moto behaviour and the AWS API reference page")
    assert moto_patches.module(name).MOTO_VERSION == moto_patches.MOTO_VERSION
    assert callable(moto_patches.module(name).apply)
    assert (ROOT / "tests" / "emulator" / f"test_{name}.py").exists()


def test_moto_is_pinned_to_the_patched_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = [d for d in project["dependencies"] if re.match(r"moto\b", d)]
    assert pins == [f"moto[server]=={moto_patches.MOTO_VERSION}"]
    assert moto.__version__ == moto_patches.MOTO_VERSION, (
        f"moto {moto.__version__} is installed; the patches were written against "
        f"{moto_patches.MOTO_VERSION}: run tests/emulator, drop the patches it names, then "
        "update MOTO_VERSION")


def test_the_server_applies_the_patches():
    source = (ROOT / "src" / "prodstack" / "runtime" / "emulator_server.py").read_text()
    assert "moto_patches.apply_all(strict=" in source


@pytest.mark.parametrize("name", moto_patches.STRICT)
def test_a_strict_module_says_what_aws_refuses_and_where_aws_says_so(name: str):
    refuses = moto_patches.module(name).REFUSES
    assert refuses, f"{name}: REFUSES lists (what, AWS's error, citation) rows for the README"
    for what, error, citation in refuses:
        assert what and error and citation.startswith("https://"), (name, what)
