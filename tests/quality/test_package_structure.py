"""The quality package has no import cycle, each module imports on its own, and every
module of it (and of the contract package) stays small."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import pipelines.quality

PACKAGE = "pipelines.quality"
ROOT = Path(pipelines.quality.__file__).parent
REPO_ROOT = ROOT.parents[1]
MODULES = sorted(p.stem for p in ROOT.glob("*.py") if p.stem != "__init__")


def module_of(name: str) -> str:
    return PACKAGE if name == "__init__" else f"{PACKAGE}.{name}"


def imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports anywhere (module level or inside a
    function: a lazy import that closes a cycle is still a cycle)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(PACKAGE)}
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == PACKAGE:  # from pipelines.quality import x: a module or a name
                for a in node.names:
                    sub = f"{PACKAGE}.{a.name}"
                    found.add(sub if (ROOT / f"{a.name}.py").exists() else PACKAGE)
            elif node.module.startswith(PACKAGE + "."):
                found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    return {module_of(p.stem): imports(p) - {module_of(p.stem)} for p in ROOT.glob("*.py")}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_quality_package_has_no_import_cycle() -> None:
    edges = graph()
    assert f"{PACKAGE}.suites" in edges and f"{PACKAGE}.checks" in edges
    assert f"{PACKAGE}.checks" in edges[f"{PACKAGE}.suites"]
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_on_its_own(module: str) -> None:
    """A fresh interpreter imports the module first (no other module of the package
    loaded before it): a cycle or a missing import would fail here."""
    proc = subprocess.run([sys.executable, "-c", f"import {PACKAGE}.{module}"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_modules_stay_under_400_lines() -> None:
    for folder in (ROOT, REPO_ROOT / "pipelines" / "contract"):
        for path in folder.glob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines < 400, f"{path.relative_to(REPO_ROOT)}: {lines} lines"
