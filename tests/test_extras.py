"""Dependencies by use: the core runs on NumPy and Pillow alone, and a
feature whose extra is missing says which extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

OPTIONAL = ["ladybug", "pandas", "pyarrow", "tqdm", "neo4j", "falkordb", "redis", "matplotlib", "scipy", "skimage",
            "dask", "distributed"]


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    block = "import sys\nfor _m in %r:\n    sys.modules[_m] = None  # as if not installed\n" % OPTIONAL
    return subprocess.run([sys.executable, "-c", block + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def test_the_core_needs_only_numpy_and_pillow(tmp_path):
    r = _run("""
        import numpy as np
        from PIL import Image
        import assocmem
        from assocmem import SearchNet, images, trace
        rng = np.random.default_rng(0)
        x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 48))
        for kw in ({}, {"rule": "dense", "degree": 3}, {"rule": "storkey"}):
            net = assocmem.Hopfield(48)
            net.store(x, **kw)
            assert (net.recall(x[0], seed=1).state == x[0]).all()
        net = assocmem.Hopfield(48); net.store(x)
        trace.recall_trace(net, x[1], seed=1)
        Image.fromarray((rng.random((80, 60)) * 255).astype("uint8")).save("p.png")
        assert images.load("p.png").shape == (4800,)
        sn = SearchNet(); sn.train(["a"], ["u", "v"], "u"); sn.scores(["a"], ["u", "v"])
        net.save("m.npz"); assocmem.Hopfield.load("m.npz")
        print("core ok")
    """, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "core ok" in r.stdout


@pytest.mark.parametrize("code,extra", [
    ("from assocmem import graph; graph.open()", "graph"),
    ("from assocmem import graph; graph.open('falkordb://127.0.0.1:1')", "falkordb"),
    ("from assocmem import plotting; plotting.energy_plot({'a': [1.0, 0.0]}, 'e.png')", "plot"),
    ("from assocmem import images; images.sample_photos()", "demo"),
    ("import numpy as np, assocmem; assocmem.Hopfield(4).store(np.eye(4, dtype=int)[:2], rule='covariance')",
     "sparse"),
])
def test_a_missing_extra_is_named(tmp_path, code, extra):
    r = _run(f"""
        from assocmem.errors import MissingDependencyError
        try:
            {code}
        except MissingDependencyError as exc:
            assert isinstance(exc, ImportError)
            print(exc)
    """, tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"pip install 'assocmem[{extra}]'" in r.stdout


def test_cli_names_the_extra_in_one_line(tmp_path):
    r = _run("""
        from assocmem import cli
        raise SystemExit(cli.main(["graph", "list", "--db", "g.lbdb"]))
    """, tmp_path)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "pip install 'assocmem[graph]'" in r.stderr
