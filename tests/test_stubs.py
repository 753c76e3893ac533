"""Every compiled module ships a .pyi stub naming each of its public
functions and classes (the package ships py.typed), and nothing else."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import assocmem

STUB_ALIASES = {"I8", "I64", "F64", "U8", "Counts"}


@pytest.mark.parametrize("name", ["_hopfield", "_searchnet"])
def test_stub_matches_compiled_module(name):
    mod = importlib.import_module(f"assocmem.{name}")
    stub = Path(assocmem.__file__).parent / f"{name}.pyi"
    assert stub.is_file(), f"{stub} is missing"
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    public = {k for k, v in vars(mod).items() if not k.startswith("_")
              and (getattr(v, "__module__", None) in (mod.__name__, name) or isinstance(v, int))}
    assert declared == public
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        members = {m.name for m in cls.body if isinstance(m, ast.FunctionDef) and not m.name.startswith("__")}
        assert members <= set(dir(getattr(mod, cls.name))), cls.name
