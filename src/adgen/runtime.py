"""Helper functions that generated code calls.

Each helper is a small, self-contained function that uses only NumPy (as
``np``), so that ``adgen generate`` can copy the source of the helpers a module
needs into it and the module imports nothing but NumPy. Each helper is also a
primitive in the table (see :mod:`adgen.primitives.helpers`) with its own
derivative rules, so generated code can be differentiated again.
"""

from __future__ import annotations

import inspect

import numpy as np


def unbroadcast(g, like):
    """Sum ``g`` down to the shape of ``like``: the adjoint of broadcasting."""
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    lead = np.ndim(g) - len(shape)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(lead)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    if kept:
        g = np.sum(g, axis=kept, keepdims=True)
    return g


def broadcast_like(g, like):
    """``g`` broadcast to the shape of ``like`` (a read-only view if it grows)."""
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    return np.broadcast_to(g, shape)


def reshape_like(g, like):
    """``g`` reshaped to the shape of ``like``."""
    shape = np.shape(like)
    if np.shape(g) == shape:
        return g
    return np.reshape(g, shape)


def expand_reduced(g, like, axis):
    """Reinsert the axes a reduction without ``keepdims`` removed from ``g``.

    ``like`` is the reduction's input, ``axis`` the reduced axes (None: all).
    """
    if axis is None:
        return g
    ndim = np.ndim(like)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(g, tuple(a % ndim for a in axes))


def matmul_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``a @ b`` given the result's adjoint ``g``."""
    if np.ndim(b) == 1:
        return unbroadcast(np.multiply.outer(g, b), a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``a @ b`` given the result's adjoint ``g``."""
    if np.ndim(a) == 1:
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b) if np.ndim(
            b) > 1 else unbroadcast(g * a, b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def row_adjoint(g, like, i):
    """Zeros shaped like ``like`` with row ``i`` set to ``g``: the adjoint of ``like[i]``."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, like, 1.0))
    out[i] = g
    return out


def zeros_like(x):
    """A zero shaped like ``x``: ``0.0`` for a scalar (fast), else an array of zeros."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x, 1.0))
    return 0.0


def scalar_output(y):
    """``y``, after checking that it is a scalar: a gradient needs a scalar output."""
    if np.ndim(y) != 0:
        raise ValueError(
            f"grad needs a function with a scalar output, but it returned an array of "
            f"shape {np.shape(y)}; use vjp with a cotangent, or jacobian"
        )
    return y


HELPERS = {
    f.__name__: f
    for f in (
        unbroadcast,
        broadcast_like,
        reshape_like,
        expand_reduced,
        matmul_adjoint_a,
        matmul_adjoint_b,
        row_adjoint,
        zeros_like,
        scalar_output,
    )
}

# Helpers that call other helpers.
HELPER_DEPENDS = {"matmul_adjoint_a": ("unbroadcast",), "matmul_adjoint_b": ("unbroadcast",)}


def helper_source(names: set[str]) -> str:
    """Source text of the named helpers and the helpers they call, in a stable order."""
    wanted = set(names)
    for name in list(wanted):
        wanted.update(HELPER_DEPENDS.get(name, ()))
    return "\n\n".join(inspect.getsource(HELPERS[n]) for n in HELPERS if n in wanted)


# ------------------------------------------------------------------ indexing
# Indexed writes are functional in adgen's IR (see adgen.primitives.indexing);
# these helpers copy, so no array a caller can see is ever changed.


def int_array_index(index):
    """Whether ``index`` holds an integer array or list, which may repeat positions."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (list, tuple, range, np.ndarray)) and np.asarray(
                part).dtype.kind in "iu":
            return True
    return False


def setitem(y, index, v):
    """A copy of ``y`` with ``y[index] = v``: an indexed write that leaves ``y`` alone."""
    out = np.array(y, copy=True)
    out[index] = v
    return out


def scatter_add(g, like, index):
    """Zeros shaped like ``like``, with ``g`` added at ``index``: the adjoint of ``like[index]``."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, 0.0))
    if int_array_index(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def gather_written(g, index):
    """``g[index]``, zero where a repeated index is written again later.

    The adjoint of ``v`` in ``y[index] = v``: when an integer array repeats a
    position, only the last write to it reaches the result.
    """
    part = np.asarray(g)[index]
    if not int_array_index(index):
        return part
    ids = np.arange(np.size(part)).reshape(np.shape(part))
    last = np.full(np.shape(g), -1)
    last[index] = ids
    return np.where(last[index] == ids, part, 0.0)


HELPERS.update({f.__name__: f for f in (int_array_index, setitem, scatter_add, gather_written)})
HELPER_DEPENDS.update({"scatter_add": ("int_array_index",),
                       "gather_written": ("int_array_index",)})
