"""``adgen graph``: parameters are drawn outside the boxes of source lines (issue 15, item 8).

Graphviz puts both ends of an edge written inside a cluster into that cluster,
so every edge must be written at the top level, after the clusters.
"""

from __future__ import annotations

import numpy as np

from adgen import pipeline
from adgen.graph import to_dot


def layer(x, W):
    z = np.sin(x)
    w = W @ z
    return np.sum(w)


def test_edges_are_outside_every_cluster() -> None:
    fn = pipeline.run(pipeline.Request(layer, "grad", ("x",))).fn
    dot = to_dot(fn)
    depth = 0
    for line in dot.splitlines():
        if line.strip().startswith("subgraph cluster_"):
            depth += 1
        elif line.strip() == "}":
            depth -= 1
        elif "->" in line:
            assert depth == 0, line
    params = [line for line in dot.splitlines() if 'fillcolor="#dbeafe"' in line]
    assert len(params) == 2 and all(line.startswith("  n") for line in params)
