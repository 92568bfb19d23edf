"""The import graph of src/prodstack, measured from the code: cycles, upward imports and
in-function imports.

    .venv/bin/python scripts/import_graph.py [--json] [--verbose]

An AST walk of every module of the package (nothing is imported or run). Each import of a
prodstack module is one edge, of one of three kinds:

- module: at the top of the module (runs when the module is imported);
- function: inside a function or method (runs when it is called);
- type: under `if TYPE_CHECKING:` (read by type checkers only).

`from prodstack.a import b` is an edge to `prodstack.a.b` when that is a module, else to
`prodstack.a` (import-linter's convention). Printed: the module cycles (strongly connected
components of more than one module, or a module importing itself) with module-level edges
alone, with in-function edges added and with every edge; the package cycles (at every
package, its children collapsed to one node each, all edges); the upward imports (an edge
from a lower layer to a higher one, the layers read from pyproject.toml's import-linter
contract); the in-function imports of prodstack modules outside the CLI; and the modules
loose in the package root. Exit 1 when any cycle or upward import is found.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "prodstack"
SOURCE = ROOT / "src" / PACKAGE
KINDS = ("module", "function", "type")
# The CLI may load its commands lazily (ProdstackGroup.LAZY): those in-function imports
# are not counted against the limit.
CLI_MODULES = (f"{PACKAGE}.cli",)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    line: int


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: list[Edge] = field(default_factory=list)

    def adjacency(self, kinds: Iterable[str]) -> dict[str, set[str]]:
        wanted = set(kinds)
        graph: dict[str, set[str]] = {m: set() for m in self.modules}
        for e in self.edges:
            if e.kind in wanted:
                graph[e.source].add(e.target)
        return graph


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(source: Path = SOURCE) -> dict[str, Path]:
    return {module_name(p): p for p in sorted(source.rglob("*.py"))
            if "__pycache__" not in p.parts}


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement with its kind (the innermost enclosing context wins: an
    import inside a function under TYPE_CHECKING is a function import)."""
    def walk(node: ast.AST, kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, kind
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, "function")
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                inner = kind if kind == "function" else "type"
                for stmt in child.body:
                    if isinstance(stmt, ast.Import | ast.ImportFrom):
                        yield stmt, inner
                    else:
                        yield from walk(stmt, inner)
                for stmt in child.orelse:
                    yield from walk(stmt, kind)
            else:
                yield from walk(child, kind)
    yield from walk(tree, "module")


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The prodstack module `name` names: itself, or its nearest existing parent."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(node: ast.Import | ast.ImportFrom, here: str, is_package: bool,
             modules: dict[str, Path]) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == PACKAGE:
                found = _resolve(alias.name, modules)
                if found:
                    yield found
        return
    if node.level:
        base = here.split(".") if is_package else here.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        origin = ".".join(base + ([node.module] if node.module else []))
    else:
        origin = node.module or ""
    if origin.split(".")[0] != PACKAGE:
        return
    for alias in node.names:
        candidate = f"{origin}.{alias.name}"
        found = candidate if candidate in modules else _resolve(origin, modules)
        if found:
            yield found


def build(source: Path = SOURCE) -> Graph:
    modules = discover(source)
    graph = Graph(modules)
    seen: set[Edge] = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        for node, kind in _imports(tree):
            for target in _targets(node, name, is_package, modules):
                edge = Edge(name, target, kind, node.lineno)
                if target != name and edge not in seen:
                    seen.add(edge)
                    graph.edges.append(edge)
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one node, and the nodes
    with an edge to themselves."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph.get(node, ()):
                    found.append(sorted(component))
    return sorted(found, key=lambda c: (-len(c), c))


def module_cycles(graph: Graph, kinds: Iterable[str]) -> list[list[str]]:
    return strongly_connected(graph.adjacency(kinds))


def package_cycles(graph: Graph, kinds: Iterable[str] = KINDS) -> list[list[str]]:
    """At each package: its children (modules and subpackages) as nodes, an edge between two
    when any module under one imports any module under the other (edges of `kinds`)."""
    wanted = set(kinds)
    packages = {m for m, p in graph.modules.items() if p.name == "__init__.py"}
    found: list[list[str]] = []
    for package in sorted(packages):
        prefix = package + "."

        def child(module: str, prefix: str = prefix) -> str | None:
            if not module.startswith(prefix):
                return None
            return prefix + module[len(prefix):].split(".")[0]

        nodes = {c for m in graph.modules if (c := child(m))}
        adjacency: dict[str, set[str]] = {n: set() for n in nodes}
        for e in graph.edges:
            if e.kind not in wanted:
                continue
            a, b = child(e.source), child(e.target)
            if a and b and a != b:
                adjacency[a].add(b)
        found.extend(strongly_connected(adjacency))
    return found


def read_layers(pyproject: Path = ROOT / "pyproject.toml") -> list[list[str]]:
    """The layers of the import-linter contract named "layers", top first; a layer written
    `a | b` holds independent siblings, `a : b` siblings that may import each other."""
    config = tomllib.loads(pyproject.read_text()).get("tool", {}).get("importlinter", {})
    for contract in config.get("contracts", []):
        if contract.get("type") == "layers":
            containers = contract.get("containers", [])
            prefix = containers[0] + "." if containers else ""
            layers = []
            for layer in contract["layers"]:
                names = [n.strip() for n in layer.replace(":", "|").split("|")]
                layers.append([prefix + n for n in names if n])
            return layers
    return []


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    """Its layer's rank, 0 at the bottom."""
    for rank, names in enumerate(reversed(layers)):
        if any(module == n or module.startswith(n + ".") for n in names):
            return rank
    return None


def upward_imports(graph: Graph, layers: list[list[str]]) -> list[Edge]:
    up = []
    for e in graph.edges:
        a, b = layer_of(e.source, layers), layer_of(e.target, layers)
        if a is not None and b is not None and b > a:
            up.append(e)
    return up


def unlayered(graph: Graph, layers: list[list[str]]) -> list[str]:
    return sorted(m for m in graph.modules
                  if m != PACKAGE and layer_of(m, layers) is None
                  and m not in CLI_MODULES and not m.startswith(f"{PACKAGE}.__"))


def function_imports(graph: Graph) -> list[Edge]:
    return [e for e in graph.edges if e.kind == "function"
            and not any(e.source == c or e.source.startswith(c + ".") for c in CLI_MODULES)]


def loose_modules(graph: Graph) -> list[str]:
    return sorted(m for m, p in graph.modules.items()
                  if p.parent == SOURCE and p.name != "__init__.py")


def report(graph: Graph, layers: list[list[str]]) -> dict[str, object]:
    return {
        "modules": len(graph.modules),
        "edges": {k: sum(e.kind == k for e in graph.edges) for k in KINDS},
        "cycles": {
            "module": module_cycles(graph, ["module"]),
            "module+function": module_cycles(graph, ["module", "function"]),
            "all": module_cycles(graph, KINDS),
        },
        "package_cycles": package_cycles(graph),
        "package_cycles_module_level": package_cycles(graph, ["module"]),
        "upward": [f"{e.source}:{e.line} -> {e.target} ({e.kind})"
                   for e in upward_imports(graph, layers)],
        "unlayered": unlayered(graph, layers) if layers else [],
        "function_imports": [f"{e.source}:{e.line} -> {e.target}"
                             for e in function_imports(graph)],
        "loose": loose_modules(graph),
    }


def problems(result: dict[str, object]) -> list[str]:
    """What fails the check: any cycle, any upward import, any module outside the layers."""
    found: list[str] = []
    for kind, cycles in result["cycles"].items():  # type: ignore[attr-defined]
        found += [f"{kind} cycle: {' -> '.join(c)}" for c in cycles]
    found += [f"package cycle: {' <-> '.join(c)}"
              for c in result["package_cycles"]]  # type: ignore[attr-defined]
    found += [f"upward: {u}" for u in result["upward"]]  # type: ignore[attr-defined]
    found += [f"in no layer: {m}" for m in result["unlayered"]]  # type: ignore[attr-defined]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="the whole result as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every finding")
    args = parser.parse_args(argv)
    graph = build()
    layers = read_layers()
    result = report(graph, layers)
    if args.json:
        print(json.dumps(result, indent=2))
        return 1 if problems(result) else 0
    cycles: dict[str, list[list[str]]] = result["cycles"]  # type: ignore[assignment]
    edges = result["edges"]
    print(f"modules {result['modules']}, imports of prodstack modules: {edges}")
    for kind, found in cycles.items():
        biggest = max((len(c) for c in found), default=0)
        print(f"cycles ({kind} imports): {len(found)} (largest {biggest} modules)")
    for key, label in (("package_cycles_module_level", "module"), ("package_cycles", "all")):
        found = result[key]
        print(f"package cycles ({label} imports): {len(found)} "  # type: ignore[arg-type]
              f"(largest {max((len(c) for c in found), default=0)})")  # type: ignore[attr-defined]
    print(f"upward imports: {len(result['upward'])}"  # type: ignore[arg-type]
          + ("" if layers else " (no layers contract in pyproject.toml)"))
    print(f"modules in no layer: {len(result['unlayered'])}")  # type: ignore[arg-type]
    print(f"in-function imports outside the CLI: "
          f"{len(result['function_imports'])}")  # type: ignore[arg-type]
    print(f"loose modules in the package root: {len(result['loose'])}")  # type: ignore[arg-type]
    if args.verbose:
        for key in ("package_cycles", "upward", "unlayered", "function_imports", "loose"):
            for item in result[key]:  # type: ignore[attr-defined]
                print(f"  {key}: {item}")
        for kind, found in cycles.items():
            for c in found:
                print(f"  cycle ({kind}): {' '.join(c)}")
    return 1 if problems(result) else 0


if __name__ == "__main__":
    sys.exit(main())
