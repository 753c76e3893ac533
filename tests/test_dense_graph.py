"""Dense memories in the graph: the bipartite 'memories' layout, exact
save/load, and the pure-Cypher update loop equal to the kernel."""

from __future__ import annotations

import numpy as np
import pytest

import assocmem
from assocmem import graph
from assocmem.errors import ArgumentError
import reference as ref


@pytest.mark.parametrize("method", ["copy", "unwind"])
def test_dense_save_load_and_cypher_recall_equal_the_kernel(tmp_path, rng, method):
    n, p = 40, 6
    x = ref.random_patterns(rng, p, n)
    net = assocmem.Hopfield(n)
    net.store(x, rule="dense", degree=3)
    net.metadata = {"shape": [5, 8]}
    with graph.open(tmp_path / "d.lbdb") as store:
        store.save_network(net, "dense3", progress=False, method=method)
        (row,) = store.networks()
        assert row["layout"] == "memories" and row["metadata"] == {"shape": [5, 8]}
        back = store.load_network("dense3", verify=True)
        assert back.rule == "dense" and back.interaction == {"degree": 3} and back.metadata == {"shape": [5, 8]}
        np.testing.assert_array_equal(back.patterns, x)
        for k in range(2):
            probe = ref.flip(rng, x[k], 0.3)
            cy = store.cypher_recall("dense3", probe, seed=k)
            ker = net.recall(probe, seed=k)
            np.testing.assert_array_equal(cy.state, ker.state)
            assert (cy.sweeps, cy.flips, cy.converged) == (ker.sweeps, ker.flips, ker.converged)
            np.testing.assert_array_equal(cy.energies, ker.energies)
            np.testing.assert_array_equal(cy.overlaps, ker.overlaps)
        with pytest.raises(ArgumentError, match="it has no synapses"):
            store.synapse_type("dense3")


def test_dense_exp_in_the_graph_equals_the_kernel(tmp_path, rng):
    n = 30
    x = ref.random_patterns(rng, 4, n)
    net = assocmem.Hopfield(n)
    net.store(x, rule="dense", beta=0.2)
    with graph.open(tmp_path / "e.lbdb") as store:
        store.save_network(net, "exp", progress=False)
        back = store.load_network("exp")
        assert back.interaction == {"beta": 0.2}
        for k in range(3):
            probe = ref.flip(rng, x[k], 0.3)
            ker = net.recall(probe, seed=k)
            np.testing.assert_array_equal(back.recall(probe, seed=k).state, ker.state)
            cy = store.cypher_recall("exp", probe, seed=k)
            np.testing.assert_array_equal(cy.state, ker.state)
            assert (cy.sweeps, cy.flips) == (ker.sweeps, ker.flips)
            np.testing.assert_allclose(cy.energies, ker.energies, rtol=1e-12)
        with pytest.raises(ArgumentError, match="layout: 'memories' stores dense memories"):
            h = assocmem.Hopfield(n)
            h.store(x)
            store.save_network(h, "h", layout="memories", progress=False)
