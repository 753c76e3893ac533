"""Every compiled module ships a .pyi stub that declares its public names."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import assocmem


@pytest.mark.parametrize("name", ["_hopfield", "_searchnet"])
def test_stub_declares_every_public_name(name):
    module = importlib.import_module(f"assocmem.{name}")
    stub = Path(assocmem.__file__).with_name(f"{name}.pyi")
    assert stub.is_file(), f"{stub} is missing"
    tree = ast.parse(stub.read_text())
    declared = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target] if isinstance(t, ast.Name)}
    public = {k for k in dir(module) if not k.startswith("_") and (callable(getattr(module, k)) or k.isupper())}
    public -= {"np"}
    public = {k for k in public if getattr(getattr(module, k), "__module__", module.__name__) == module.__name__}
    assert public <= declared, f"{name}.pyi lacks {sorted(public - declared)}"
