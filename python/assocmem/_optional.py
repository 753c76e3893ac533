"""Optional dependencies: each feature's packages come with an extra.

``pip install assocmem`` brings only NumPy and Pillow.  A feature that needs
more imports its packages through :func:`require`, which names the extra to
install when one is missing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

#: extra -> what it enables (for the messages)
EXTRAS = {
    "graph": "the graph mirror on LadybugDB",
    "neo4j": "the graph mirror on Neo4j",
    "falkordb": "the graph mirror on FalkorDB",
    "plot": "plotting",
    "sparse": "the covariance rule",
    "demo": "the demo",
    "dask": "running capacity studies on a Dask cluster",
}


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise MissingDependencyError naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{EXTRAS[extra]} needs the package {module.split('.')[0]!r}: pip install 'assocmem[{extra}]' "
            "(or 'assocmem[all]')"
        ) from None
