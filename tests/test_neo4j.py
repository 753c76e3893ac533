"""The graph suite against a real Neo4j server.

Runs when ASSOCMEM_NEO4J_URI (and ASSOCMEM_NEO4J_USER, ASSOCMEM_NEO4J_PASSWORD)
are set; skipped with that reason otherwise.  Each test works in a fresh
database state: networks it saved are deleted afterwards.
"""

from __future__ import annotations

import os

import pytest

from assocmem import graph
from graph_suite import GraphSuite

URI = os.environ.get("ASSOCMEM_NEO4J_URI")

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        not URI,
        reason="no Neo4j server: set ASSOCMEM_NEO4J_URI, ASSOCMEM_NEO4J_USER and ASSOCMEM_NEO4J_PASSWORD to run",
    ),
]


class TestNeo4j(GraphSuite):
    methods = ("unwind",)

    @pytest.fixture
    def store(self):
        auth = (os.environ.get("ASSOCMEM_NEO4J_USER", "neo4j"), os.environ.get("ASSOCMEM_NEO4J_PASSWORD", ""))
        s = graph.open(URI, auth=auth, database=os.environ.get("ASSOCMEM_NEO4J_DATABASE"))
        for row in s.networks():  # start clean
            s.delete_network(row["name"])
        yield s
        for row in s.networks():
            s.delete_network(row["name"])
        s.close()
