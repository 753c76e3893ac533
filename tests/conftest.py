import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory):
    """One FalkorDB server for the session (tests use graphs of their own)."""
    from falkordb_server import Server

    server = Server(tmp_path_factory.mktemp("falkordb")).start()
    yield server
    server.stop()
