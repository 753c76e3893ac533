"""The package's shape (issue #11): no import cycle between its modules, the
search net independent of the graph package, the memories below Hopfield."""

from __future__ import annotations

import ast
from pathlib import Path

import assocmem

PKG = Path(assocmem.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Package modules imported at module level (imports inside functions
    are lazy on purpose and cannot form a cycle at import time)."""
    name = _module(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("assocmem")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("assocmem"):
                continue
            for a in node.names:  # "from . import driver" imports a module, not the package's names
                sub = f"{mod}.{a.name}"
                where = PKG.parent / Path(*sub.split("."))
                if where.is_dir() or any(where.parent.glob(f"{a.name}.*")):  # .py, .pyi, compiled extension
                    out.add(sub)
                else:
                    out.add(mod)
    return out


def _graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PKG.rglob("*.py")}
    return {m: {i for i in _top_level_imports(p) if i in modules and i != m} for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                found.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    return found


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_the_package():
    graph = _graph()
    assert "assocmem.hopfield" in graph and "assocmem.memories" in graph["assocmem.hopfield"]
    assert _cycles(graph) == []


def test_the_search_net_and_the_memories_stand_alone():
    graph = _graph()

    def reach(m: str) -> set[str]:
        seen, todo = set(), [m]
        while todo:
            for n in graph.get(todo.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        return seen

    assert not {m for m in reach("assocmem.searchnet") if m.startswith("assocmem.graph")}
    assert "assocmem.hopfield" not in reach("assocmem.memories")
