"""Helper functions that generated code calls.

Each helper is a small, self-contained function that uses only NumPy (as
``np``), so that ``adgen generate`` can copy the source of the helpers a module
needs into it and the module imports nothing but NumPy. Each helper that
generated code calls is also a primitive in the table (see
:mod:`adgen.primitives.helpers`) with its own derivative rules, so generated
code can be differentiated again; a few (``tensordot_axes``, ``kron_blocks``)
only serve other helpers.

A helper is registered by the :func:`helper` decorator where it is defined;
the helpers it calls are found from the names its code refers to
(:func:`depends`), so copying a helper's source copies what it needs.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

# Name -> helper function, in definition order (the order their source is copied in).
HELPERS: dict[str, Callable[..., Any]] = {}


def helper(f: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``f`` as a runtime helper under its own name."""
    if f.__name__ in HELPERS:
        raise ValueError(f"runtime helper {f.__name__!r} defined twice")
    HELPERS[f.__name__] = f
    return f


@functools.cache
def _definition(f: Callable[..., Any]) -> tuple[str, ast.FunctionDef]:
    """``f``'s source without its decorators (a generated module has no ``@helper``)."""
    lines = textwrap.dedent(inspect.getsource(f)).splitlines(keepends=True)
    node = ast.parse("".join(lines)).body[0]
    assert isinstance(node, ast.FunctionDef), f
    text = "".join(lines[node.lineno - 1 :])
    return text, ast.parse(text).body[0]  # type: ignore[return-value]


def source(f: Callable[..., Any]) -> str:
    """The source text a generated module needs to define helper ``f``."""
    return _definition(f)[0]


@functools.cache
def _free_names(f: Callable[..., Any]) -> frozenset[str]:
    """The names ``f``'s body reads but does not bind: globals and builtins."""
    tree = _definition(f)[1]
    bound = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    read = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
    return frozenset(read - bound)


def depends(f: Callable[..., Any], table: dict[str, Callable[..., Any]] | None = None) -> list[str]:
    """The helpers of ``table`` (default :data:`HELPERS`) that ``f``'s code calls."""
    table = HELPERS if table is None else table
    return sorted(n for n in _free_names(f) if n in table and table[n] is not f)


def unresolved(
    f: Callable[..., Any], table: dict[str, Callable[..., Any]] | None = None
) -> list[str]:
    """The names ``f`` reads that a generated module would not have: neither ``np``,
    a builtin nor a helper of ``table``. Empty for every helper (a test checks)."""
    table = HELPERS if table is None else table
    return sorted(
        n for n in _free_names(f) if n != "np" and n not in table and not hasattr(builtins, n)
    )


def helper_source(names: set[str], extra: dict[str, Any] | None = None) -> str:
    """Source text of the named helpers and the helpers they call, in a stable order.

    ``extra`` adds helpers of the caller's own (the module writer's) to choose from.
    """
    table = {**HELPERS, **(extra or {})}
    wanted: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(depends(table[name], table))
    return "\n\n".join(source(table[n]) for n in table if n in wanted)


@helper
def unbroadcast(g, like):
    """Sum ``g`` down to the shape of ``like``: the adjoint of broadcasting."""
    # getattr first: np.shape of a Python number costs a microsecond.
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if (g.shape if hasattr(g, "shape") else np.shape(g)) == shape:
        return g
    lead = np.ndim(g) - len(shape)
    if lead > 0:
        g = np.sum(g, axis=tuple(range(lead)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(g)[i] != 1)
    if kept:
        g = np.sum(g, axis=kept, keepdims=True)
    return g


@helper
def broadcast_like(g, like):
    """``g`` broadcast to the shape of ``like`` (a read-only view if it grows)."""
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if (g.shape if hasattr(g, "shape") else np.shape(g)) == shape:
        return g
    return np.broadcast_to(g, shape)


@helper
def reshape_like(g, like):
    """``g`` reshaped to the shape of ``like``."""
    shape = like.shape if hasattr(like, "shape") else np.shape(like)
    if (g.shape if hasattr(g, "shape") else np.shape(g)) == shape:
        return g
    return np.reshape(g, shape)


@helper
def expand_reduced(g, like, axis):
    """Reinsert the axes a reduction without ``keepdims`` removed from ``g``.

    ``like`` is the reduction's input, ``axis`` the reduced axes (None: all).
    """
    if axis is None:
        return g
    ndim = np.ndim(like)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(g, tuple(a % ndim for a in axes))


@helper
def matmul_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``a @ b`` given the result's adjoint ``g``."""
    if np.ndim(b) == 1:
        return unbroadcast(np.multiply.outer(g, b), a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


@helper
def matmul_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``a @ b`` given the result's adjoint ``g``."""
    if np.ndim(a) == 1:
        return (
            unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
            if np.ndim(b) > 1
            else unbroadcast(g * a, b)
        )
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0], b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


@helper
def row_adjoint(g, like, i):
    """Zeros shaped like ``like`` with row ``i`` set to ``g``: the adjoint of ``like[i]``."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, like, 1.0))
    out[i] = g
    return out


@helper
def zeros_like(x):
    """A zero shaped like ``x``: ``0.0`` for a scalar (fast), else an array of zeros."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x, dtype=np.result_type(x, 1.0))
    return 0.0


@helper
def dot_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``np.dot(a, b)`` given the result's adjoint ``g``."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return unbroadcast(g * b, a)
    k = 0 if nb == 1 else nb - 2  # the axis of b that is summed over
    free_b = [i for i in range(nb) if i != k]
    return np.tensordot(g, b, axes=(list(range(na - 1, np.ndim(g))), free_b))


@helper
def dot_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``np.dot(a, b)`` given the result's adjoint ``g``."""
    na, nb = np.ndim(a), np.ndim(b)
    if na == 0 or nb == 0:
        return unbroadcast(a * g, b)
    k = 0 if nb == 1 else nb - 2
    lead = list(range(na - 1))
    return np.moveaxis(np.tensordot(a, g, axes=(lead, lead)), 0, k)


@helper
def tensordot_axes(a, b, axes):
    """The summed and free axes of ``a`` and of ``b`` in ``np.tensordot(a, b, axes)``."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, int):
        sum_a, sum_b = list(range(na - axes, na)), list(range(axes))
    else:
        sum_a = [int(i) % na for i in np.atleast_1d(axes[0])]
        sum_b = [int(i) % nb for i in np.atleast_1d(axes[1])]
    free_a = [i for i in range(na) if i not in sum_a]
    free_b = [i for i in range(nb) if i not in sum_b]
    return sum_a, sum_b, free_a, free_b


@helper
def tensordot_adjoint_a(g, a, b, axes=2):
    """The adjoint of ``a`` in ``np.tensordot(a, b, axes)`` given the result's adjoint ``g``."""
    sum_a, sum_b, free_a, free_b = tensordot_axes(a, b, axes)
    r = np.tensordot(g, b, axes=(list(range(len(free_a), np.ndim(g))), free_b))
    # r's axes: a's free axes, then the partners of b's summed axes in b's order.
    order = free_a + [sum_a[sum_b.index(j)] for j in sorted(sum_b)]
    return np.transpose(r, np.argsort(order))


@helper
def tensordot_adjoint_b(g, a, b, axes=2):
    """The adjoint of ``b`` in ``np.tensordot(a, b, axes)`` given the result's adjoint ``g``."""
    sum_a, sum_b, free_a, free_b = tensordot_axes(a, b, axes)
    r = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
    # r's axes: the partners of a's summed axes in a's order, then b's free axes.
    order = [sum_b[sum_a.index(i)] for i in sorted(sum_a)] + free_b
    return np.transpose(r, np.argsort(order))


@helper
def inner_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``np.inner(a, b)``; a scalar operand multiplies."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a) if np.ndim(a) else np.sum(g * b)
    return tensordot_adjoint_a(g, a, b, ((-1,), (-1,)))


@helper
def inner_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``np.inner(a, b)``; a scalar operand multiplies."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b) if np.ndim(b) else np.sum(g * a)
    return tensordot_adjoint_b(g, a, b, ((-1,), (-1,)))


@helper
def kron_blocks(g, a, b):
    """``g``, shaped like ``np.kron(a, b)``, with the axes of a and b apart.

    Returns the blocks (axes a0, b0, a1, b1, ...) and the shapes of a and b
    padded to the same number of dimensions.
    """
    nd = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
    sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
    return np.reshape(g, [n for pair in zip(sa, sb, strict=True) for n in pair]), sa, sb


@helper
def kron_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``np.kron(a, b)`` given the result's adjoint ``g``."""
    blocks, sa, sb = kron_blocks(g, a, b)
    nd = len(sb)
    r = np.tensordot(blocks, np.reshape(b, sb), axes=(list(range(1, 2 * nd, 2)), list(range(nd))))
    return np.reshape(r, np.shape(a))


@helper
def kron_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``np.kron(a, b)`` given the result's adjoint ``g``."""
    blocks, sa, sb = kron_blocks(g, a, b)
    nd = len(sa)
    r = np.tensordot(blocks, np.reshape(a, sa), axes=(list(range(0, 2 * nd, 2)), list(range(nd))))
    return np.reshape(r, np.shape(b))


@helper
def einsum_adjoint(g, *operands, subscripts, index=0):
    """The adjoint of ``operands[index]`` in ``np.einsum(subscripts, *operands)``.

    It is itself an einsum of ``g`` with the other operands; an index that only
    that operand has is broadcast back (ones), a repeated one is put back on
    the diagonal (identity matrices).
    """
    text = subscripts.replace(" ", "")
    ins, arrow, out = text.partition("->")
    ins = ins.split(",")
    names = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    letters = [c for c in names if c not in text]
    # Write each '...' as named axes, aligned on the right as broadcasting does.
    dots = max(
        [
            np.ndim(x) - len(s.replace("...", ""))
            for x, s in zip(operands, ins, strict=True)
            if "..." in s
        ]
        or [0]
    )
    ell = "".join(letters[:dots])
    letters = letters[dots:]
    ins = [
        s.replace("...", ell[dots - (np.ndim(x) - len(s) + 3) :] if "..." in s else "")
        for x, s in zip(operands, ins, strict=True)
    ]
    if not arrow:
        once = sorted(c for c in set("".join(ins)) if "".join(ins).count(c) == 1 and c not in ell)
        out = ell + "".join(once)
    out = out.replace("...", ell)
    target = ins[index]
    shape = np.shape(operands[index])
    seen = set(out + "".join(s for i, s in enumerate(ins) if i != index))
    terms = [out] + [s for i, s in enumerate(ins) if i != index]
    args = [g] + [x for i, x in enumerate(operands) if i != index]
    wanted = ""
    for pos, c in enumerate(target):
        if c in target[:pos]:  # a repeated index: a fresh name tied to it by the identity
            fresh = letters.pop()
            terms.append(c + fresh)
            args.append(np.eye(shape[pos]))
            c = fresh
        elif c not in seen:  # summed over in the einsum: broadcast back
            terms.append(c)
            args.append(np.ones(shape[pos]))
            seen.add(c)
        wanted += c
    r = np.einsum(",".join(terms) + "->" + wanted, *args)
    if np.shape(r) != shape:  # size-1 axes the einsum broadcast
        r = np.sum(
            r, axis=tuple(i for i, n in enumerate(shape) if n != np.shape(r)[i]), keepdims=True
        )
    return r


@helper
def join_part(g, *xs, index=0, join="concatenate", axis=0):
    """The part of ``g`` where ``join`` (np.concatenate, np.stack...) put ``xs[index]``.

    This is the adjoint of joining arrays; ``join`` names the NumPy function.
    """
    if join in ("stack", "array"):
        return np.take(g, index, axis=axis)
    if join == "vstack":
        parts, axis = [np.atleast_2d(x) for x in xs], 0
    elif join == "hstack":
        parts = [np.atleast_1d(x) for x in xs]
        axis = 0 if np.ndim(parts[0]) == 1 else 1
    elif join == "dstack":
        parts, axis = [np.atleast_3d(x) for x in xs], 2
    elif join == "column_stack":
        parts = [np.reshape(x, (-1, 1)) if np.ndim(x) < 2 else x for x in xs]
        axis = 1
    elif axis is None:
        parts, axis = [np.ravel(x) for x in xs], 0
    else:
        parts = list(xs)
    start = sum(np.shape(p)[axis] for p in parts[:index])
    size = np.shape(parts[index])[axis]
    piece = np.take(g, np.arange(start, start + size), axis=axis)
    return np.reshape(piece, np.shape(xs[index]))


@helper
def prod_others(x, axis=None):
    """Each element's product of the other elements along ``axis`` (all if None).

    These are the partial derivatives of ``np.prod(x, axis)``, exact where x has
    zeros (no division).
    """
    x = np.asarray(x)
    axes = range(x.ndim) if axis is None else [axis] if np.ndim(axis) == 0 else axis
    axes = [a % x.ndim for a in axes]
    rest = [a for a in range(x.ndim) if a not in axes]
    y = np.transpose(x, rest + axes)
    y = np.reshape(y, y.shape[: len(rest)] + (-1,))
    left = np.ones_like(y)
    left[..., 1:] = np.cumprod(y[..., :-1], axis=-1)
    right = np.ones_like(y)
    right[..., :-1] = np.cumprod(y[..., :0:-1], axis=-1)[..., ::-1]
    both = np.reshape(left * right, [x.shape[a] for a in rest + axes])
    return np.transpose(both, np.argsort(rest + axes))


@helper
def repeat_adjoint(g, x, repeats, axis=None):
    """The adjoint of ``x`` in ``np.repeat(x, repeats, axis)``: each run of g summed."""
    shape = np.shape(x) if axis is not None else (np.size(x),)
    ax = 0 if axis is None else axis % len(shape)
    n = shape[ax]
    if np.ndim(repeats) == 0:
        runs = np.reshape(g, shape[:ax] + (n, int(repeats)) + shape[ax + 1 :])
        return np.reshape(np.sum(runs, axis=ax + 1), np.shape(x))
    ends = np.cumsum(np.broadcast_to(repeats, (n,)))
    edge = list(np.shape(g))
    edge[ax] = 1
    total = np.concatenate([np.zeros(edge), np.cumsum(g, axis=ax)], axis=ax)
    r = np.take(total, ends, axis=ax) - np.take(total, ends - np.asarray(repeats), axis=ax)
    return np.reshape(r, np.shape(x))


@helper
def tile_adjoint(g, x, reps):
    """The adjoint of ``x`` in ``np.tile(x, reps)``: the tiles of g summed."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = np.shape(x)
    d = max(len(reps), len(shape))
    reps = (1,) * (d - len(reps)) + reps
    shape = (1,) * (d - len(shape)) + shape
    tiles = np.reshape(g, [n for pair in zip(reps, shape, strict=True) for n in pair])
    return np.reshape(np.sum(tiles, axis=tuple(range(0, 2 * d, 2))), np.shape(x))


@helper
def diag_adjoint(g, x, k=0):
    """The adjoint of ``x`` in ``np.diag(x, k)``."""
    if np.ndim(x) == 1:
        return np.diag(g, k)
    out = np.zeros(np.shape(x), dtype=np.result_type(g, float))
    n = len(g)
    out[np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)] = g
    return out


@helper
def diagonal_adjoint(g, x, offset=0, axis1=0, axis2=1):
    """The adjoint of ``x`` in ``np.diagonal(x, offset, axis1, axis2)``.

    ``g`` may also be anything that broadcasts to the diagonal's shape.
    """
    out = np.zeros(np.shape(x), dtype=np.result_type(g, float))
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = max(min(view.shape[-2] - max(-offset, 0), view.shape[-1] - max(offset, 0)), 0)
    view[..., np.arange(n) + max(-offset, 0), np.arange(n) + max(offset, 0)] = g
    return out


@helper
def pad_adjoint(g, x, pad_width):
    """The adjoint of ``x`` in ``np.pad(x, pad_width)``: the middle of g."""
    widths = np.broadcast_to(pad_width, (np.ndim(x), 2))
    return g[tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, np.shape(x), strict=True))]


@helper
def take_along_axis_adjoint(g, arr, indices, axis=-1):
    """The adjoint of ``arr`` in ``np.take_along_axis(arr, indices, axis)``.

    Each element of g is added where it was taken from (repeated indices add up).
    """
    out = np.zeros(np.shape(arr), dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    axis = axis % out.ndim
    where = list(np.indices(np.shape(g), sparse=True))
    for d in range(out.ndim):
        if out.shape[d] == 1:
            where[d] = 0 * where[d]
    where[axis] = np.broadcast_to(indices, np.shape(g))
    np.add.at(out, tuple(where), g)
    return out


NOT_SCALAR = "grad needs a function with a scalar output"


@helper
def scalar_output(y):
    """``y``, after checking that it is a scalar: a gradient needs a scalar output."""
    if type(y) is not float and np.ndim(y) != 0:
        raise ValueError(
            f"grad needs a function with a scalar output, but it returned an array of "
            f"shape {np.shape(y)}; use vjp with a cotangent, or jacobian"
        )
    return y


# ------------------------------------------------------------------ indexing
# Indexed writes are functional in adgen's IR (see adgen.primitives.indexing);
# these helpers copy, so no array a caller can see is ever changed. The one
# exception, index_add, adds into an accumulator the generated code made itself.


@helper
def int_array_index(index):
    """Whether ``index`` holds an integer array or list, which may repeat positions."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if (
            isinstance(part, (list, tuple, range, np.ndarray))
            and np.asarray(part).dtype.kind in "iu"
        ):
            return True
    return False


@helper
def setitem(y, index, v):
    """A copy of ``y`` with ``y[index] = v``: an indexed write that leaves ``y`` alone."""
    out = np.array(y, copy=True)
    out[index] = v
    return out


@helper
def scatter_add(g, like, index):
    """Zeros shaped like ``like``, with ``g`` added at ``index``: the adjoint of ``like[index]``."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, 0.0))
    if int_array_index(index):
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


@helper
def index_add(acc, g, index):
    """``acc`` with ``g`` added at ``index``, in place: ``acc`` is an accumulator the
    generated code owns (a loop's adjoint of an array it indexes)."""
    if int_array_index(index):
        np.add.at(acc, index, g)
    else:
        acc[index] += g
    return acc


@helper
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


@helper
def updated_in_place(new, old):
    """``new``, the value of ``old op= v``: NumPy changes an array in place, so the
    result must keep its shape, else it raises as NumPy does."""
    if isinstance(old, np.ndarray) and np.shape(new) != old.shape:
        raise ValueError(
            f"non-broadcastable output operand with shape {old.shape} "
            f"doesn't match the broadcast shape {np.shape(new)}"
        )
    return new


# ------------------------------------------------------------ linear algebra
# Derivatives that exist only for some inputs are refused at run time, with a
# ValueError that starts with REFUSED; adgen's calling layer raises it as a
# DifferentiationError (a module written ahead of time raises the ValueError).

REFUSED = "adgen refuses this derivative: "


@helper
def real_eig(a, part=0):
    """``np.linalg.eig(a)[part]``, refused unless every eigenvalue is real."""
    w, v = np.linalg.eig(a)
    if np.iscomplexobj(w):
        raise ValueError(
            "adgen refuses this derivative: np.linalg.eig found complex eigenvalues, and "
            "adgen does not differentiate complex numbers; for a symmetric matrix use "
            "np.linalg.eigh"
        )
    return v if part else w


@helper
def require_shape(g, a, shape="tall", what=""):
    """``g``, after checking that the matrices of ``a`` are ``shape`` ("tall": at
    least as many rows as columns, "wide": at least as many columns as rows), which
    the derivative of ``what`` needs (a zero ``g`` contributes nothing either way)."""
    m, n = np.shape(a)[-2:]
    if ((m < n) if shape == "tall" else (m > n)) and np.any(g):
        rows = "rows as columns" if shape == "tall" else "columns as rows"
        raise ValueError(
            f"adgen refuses this derivative: {what} is differentiable only for matrices "
            f"with at least as many {rows}, and this one is {m}x{n}"
        )
    return g


@helper
def lu_rows(x, piv, inverse=False):
    """The rows of the matrices ``x`` permuted by the pivots of ``scipy.linalg.lu_factor``:
    ``P.T @ x`` where ``a = P @ L @ U`` (``P @ x`` if ``inverse``)."""
    perm = np.arange(np.shape(x)[-2])
    for i, p in enumerate(np.asarray(piv).tolist()):
        perm[i], perm[p] = perm[p], perm[i]
    return np.asarray(x)[..., np.argsort(perm) if inverse else perm, :]


# Defined last, so modules written ahead of time list it after the others.
@helper
def gradient_like(g, x):
    """``g`` given the type of ``x``: a float for a number, else a writable array
    of ``x``'s shape and floating dtype (as ``adgen.grad`` returns it)."""
    if isinstance(x, np.ndarray):
        if not isinstance(g, np.ndarray):
            return np.full(x.shape, g, dtype=x.dtype)
        if g.dtype != x.dtype and x.dtype.kind in "fc":
            return g.astype(x.dtype)
        return g if g.flags.writeable else np.array(g)
    if isinstance(x, (float, int)) and not isinstance(g, complex):
        return float(g)
    return g


@helper
def diff_adjoint(g, like, n=1, axis=-1):
    """The adjoint of ``a`` in ``np.diff(a, n, axis)`` (``like`` has a's shape)."""
    axis = axis % np.ndim(like)
    widths = [(0, 0)] * np.ndim(like)
    widths[axis] = (1, 1)
    for _ in range(n):
        g = -np.diff(np.pad(g, widths), axis=axis)
    return g


@helper
def take_adjoint(g, like, indices, axis=None):
    """The adjoint of ``a`` in ``np.take(a, indices, axis)``: g added where it was taken
    from (repeated indices add up)."""
    out = np.zeros(np.shape(like), dtype=np.result_type(g, float))
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    axis = axis % out.ndim
    k = np.ndim(indices)
    moved = np.moveaxis(np.asarray(g), list(range(axis, axis + k)), list(range(k)))
    np.add.at(np.moveaxis(out, axis, 0), indices, moved)
    return out


@helper
def convolve_adjoint(g, like, v, mode="full"):
    """The adjoint of ``a`` in ``np.convolve(a, v, mode)`` (``like`` has a's shape)."""
    n, m = np.size(like), np.size(v)
    offset = {"full": 0, "same": (min(n, m) - 1) // 2, "valid": min(n, m) - 1}[mode]
    full = np.zeros(n + m - 1, dtype=np.result_type(g, v, float))
    full[offset : offset + np.size(g)] = g
    return np.correlate(full, v, "valid")


@helper
def cross_adjoint(g, a, b, index=0):
    """The adjoint of operand ``index`` of ``np.cross(a, b)`` along the last axis, for
    3-vectors (a vector result) and 2-vectors (NumPy's scalar z-component result)."""
    n, m = np.shape(a)[-1], np.shape(b)[-1]
    if n != m:
        raise ValueError(
            f"adgen refuses this derivative: np.cross of {n}-vectors with {m}-vectors is "
            "differentiable only when both have the same length (2 or 3)"
        )
    if n == 3:
        return np.cross(b, g) if index == 0 else np.cross(g, a)
    other = np.asarray(b if index == 0 else a)
    turned = np.stack([other[..., 1], -other[..., 0]], axis=-1)
    return np.asarray(g)[..., None] * (turned if index == 0 else -turned)


@helper
def scalar_spacing(h):
    """``h``, after checking that it is one number: the spacing of ``np.gradient``, which
    adgen differentiates only for uniform spacing (NumPy reads an array as coordinates)."""
    if np.ndim(h) != 0:
        raise ValueError(
            "adgen refuses this derivative: np.gradient is differentiable only with one "
            f"number as its spacing, and this one has shape {np.shape(h)} (coordinates); "
            "compute the differences with np.diff and divide by np.diff of the coordinates"
        )
    return h


@helper
def split_part_adjoint(g, like, func="split", sections=1, axis=0, part=0):
    """The adjoint of ``x`` in ``np.<func>(x, sections, axis)[part]``: g placed where
    the part was taken from, zeros elsewhere."""
    where = np.arange(np.size(like)).reshape(np.shape(like))
    split = getattr(np, func)
    pieces = (
        split(where, sections, axis) if func in ("split", "array_split") else split(where, sections)
    )
    out = np.zeros(np.size(like), dtype=np.result_type(g, float))
    out[pieces[part].ravel()] = np.broadcast_to(g, pieces[part].shape).ravel()
    return out.reshape(np.shape(like))
