"""The package's layers hold: every import points down, and nothing imports in a circle.

The layers are pyproject.toml's import-linter contract (top first: cli, ops, runtime, catalog,
stack, platform, config, tf, core); `scripts/import_graph.py` measures the import graph from
the code (module-level, in-function and TYPE_CHECKING imports) and `lint-imports` checks the
contract the same way. `make lint` runs both.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import import_graph  # noqa: E402

# In-function imports of prodstack modules outside the CLI, at most (each keeps a heavy import
# off a path that must start fast, or is still to be moved): lower it, never raise it.
FUNCTION_IMPORTS_AT_MOST = 15


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    return import_graph.report(import_graph.build(), import_graph.read_layers())


def test_no_cycle_no_upward_import_no_module_outside_the_layers(result) -> None:
    assert import_graph.read_layers(), "pyproject.toml has no layers contract"
    assert import_graph.problems(result) == []


def test_in_function_imports_outside_the_cli_do_not_grow(result) -> None:
    found = result["function_imports"]
    assert len(found) <= FUNCTION_IMPORTS_AT_MOST, found


def test_the_package_root_holds_only_the_public_api_and_main(result) -> None:
    assert result["loose"] == ["prodstack.__main__"]


def test_a_cycle_through_any_kind_of_import_is_found() -> None:
    graph = import_graph.Graph({"a": Path("a"), "b": Path("b"), "c": Path("c")})
    graph.edges = [import_graph.Edge("a", "b", "module", 1),
                   import_graph.Edge("b", "c", "function", 1),
                   import_graph.Edge("c", "a", "type", 1)]
    assert import_graph.module_cycles(graph, ["module"]) == []
    assert import_graph.module_cycles(graph, ["module", "function"]) == []
    assert import_graph.module_cycles(graph, import_graph.KINDS) == [["a", "b", "c"]]


def test_the_import_linter_contract_is_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is in the dev extra: pip install -e '.[dev]'"
    proc = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_the_rules_loads_neither_boto3_nor_the_stack() -> None:
    code = ("import sys, prodstack.catalog\n"
            "loaded = [m for m in sys.modules if m == 'boto3' or m.startswith(("
            "'prodstack.stack.parts', 'prodstack.stack.compose', 'prodstack.stack.built', "
            "'prodstack.platform', 'prodstack.runtime', 'prodstack.ops'))]\n"
            "print(loaded)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"
