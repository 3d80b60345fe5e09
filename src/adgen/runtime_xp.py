"""Runtime helpers for derivatives that run on any array-API library.

These are the array-API versions of the helpers in :mod:`adgen.runtime`, under
the same names: code generated in array-API mode (see
:mod:`adgen.backend.array_api`) calls ``unbroadcast(g, x)`` exactly as NumPy
code does, and runs with these definitions instead. Each finds the namespace
of its arguments itself (:func:`namespace_of`), and uses only the standard's
functions: no ``np.copyto``, ``np.size`` or ``np.add.at``, which Dask answers by
pulling data into one process. Indexed writes are functional (a copy, then
``out[index] = v``): Dask arrays have no memory to write into, and their
``__setitem__`` builds a new graph.

What has no exact array-API form (accumulation at a repeated integer index)
is refused at run time with a ``ValueError`` starting with
:data:`adgen.runtime.REFUSED`, which adgen raises as a DifferentiationError.

Like :mod:`adgen.runtime` this module stands alone (``adgen generate
--array-api`` copies the helpers' source into the module it writes); it needs
``array-api-compat`` only when a helper runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:  # optional: adgen[array-api]
    import array_api_compat.numpy as compat_numpy
    from array_api_compat import array_namespace, is_array_api_obj
except ImportError:  # pragma: no cover - exercised where array-api-compat is missing
    compat_numpy = array_namespace = is_array_api_obj = None  # type: ignore[assignment]

#: Name -> array-API helper, in definition order (the order AOT modules list them).
XP_HELPERS: dict[str, Callable[..., Any]] = {}

#: Module-level names the helpers may read besides builtins and each other.
XP_GLOBALS = frozenset({"array_namespace", "is_array_api_obj", "compat_numpy"})

#: The import lines a module written ahead of time needs for these helpers.
XP_IMPORTS = (
    "import array_api_compat.numpy as compat_numpy\n"
    "from array_api_compat import array_namespace, is_array_api_obj\n"
)


def xp_helper(f: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``f`` as the array-API version of the helper of its name."""
    if f.__name__ in XP_HELPERS:
        raise ValueError(f"array-API helper {f.__name__!r} defined twice")
    XP_HELPERS[f.__name__] = f
    return f


def available() -> bool:
    """Whether array-api-compat is installed."""
    return array_namespace is not None


def library_of(args: Any) -> str | None:
    """The array library (``"dask"``, ``"torch"``, ``"cupy"``...) of the first argument
    that is an array-API array but not a NumPy one; None if there is none."""
    for a in args:
        t = type(a)
        top = t.__module__.partition(".")[0]
        if top == "numpy" or top == "builtins":
            continue
        if hasattr(t, "__array_namespace__") or top in ("dask", "torch", "cupy", "jax"):
            return top
    return None


def is_float_array(x: Any) -> bool:
    """Whether ``x`` is an array of a library other than NumPy with a real floating dtype."""
    if library_of((x,)) is None or not available() or not is_array_api_obj(x):
        return False
    return bool(array_namespace(x).isdtype(x.dtype, "real floating"))


# ------------------------------------------------------------------ shapes


@xp_helper
def namespace_of(*xs):
    """The array-API namespace of the arrays among ``xs``. NumPy arrays and Python
    numbers go along with one other library (Dask accepts them as operands); two
    other libraries at once are refused."""
    found = None
    for x in xs:
        if isinstance(x, (int, float, complex, bool)) or not is_array_api_obj(x):
            continue
        if type(x).__module__.partition(".")[0] == "numpy":
            continue
        xp = array_namespace(x)
        if found is not None and xp is not found:
            raise ValueError(
                "adgen refuses this derivative: its arguments come from two array "
                f"libraries ({found.__name__} and {xp.__name__}); convert them to one"
            )
        found = xp
    return compat_numpy if found is None else found


@xp_helper
def shape_of(x):
    """``x.shape`` as a tuple (``()`` for a Python number)."""
    return tuple(x.shape) if hasattr(x, "shape") else ()


@xp_helper
def ndim_of(x):
    """The number of dimensions of ``x`` (0 for a Python number)."""
    return len(shape_of(x))


@xp_helper
def size_of(x):
    """The number of elements of ``x``, from its shape (no data is read)."""
    n = 1
    for k in shape_of(x):
        n *= k
    return n


@xp_helper
def as_array(g, like):
    """``g`` as an array of ``like``'s namespace; a Python number takes ``like``'s
    floating dtype (PyTorch would make it float32 otherwise)."""
    if is_array_api_obj(g) and not isinstance(g, (int, float, complex, bool)):
        return g
    xp = namespace_of(like)
    dtype = getattr(like, "dtype", None)
    if dtype is None or not xp.isdtype(dtype, "real floating"):
        dtype = xp.float64
    return xp.asarray(g, dtype=dtype)


@xp_helper
def unbroadcast(g, like):
    """Sum ``g`` down to the shape of ``like``: the adjoint of broadcasting."""
    shape = shape_of(like)
    if shape_of(g) == shape:
        return g
    xp = namespace_of(g)
    lead = ndim_of(g) - len(shape)
    if lead > 0:
        g = xp.sum(g, axis=tuple(range(lead)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and shape_of(g)[i] != 1)
    if kept:
        g = xp.sum(g, axis=kept, keepdims=True)
    return g


@xp_helper
def broadcast_like(g, like):
    """``g`` broadcast to the shape of ``like``."""
    shape = shape_of(like)
    if shape_of(g) == shape:
        return g
    xp = namespace_of(g, like)
    if hasattr(like, "chunks") and len(shape_of(g)) == 0:  # Dask: in like's chunks
        return xp.broadcast_to(as_array(g, like), shape, chunks=like.chunks)
    return xp.broadcast_to(as_array(g, like), shape)


@xp_helper
def reshape_like(g, like):
    """``g`` reshaped to the shape of ``like``."""
    shape = shape_of(like)
    if shape_of(g) == shape:
        return g
    return namespace_of(g, like).reshape(as_array(g, like), shape)


@xp_helper
def expand_reduced(g, like, axis):
    """Reinsert the axes a reduction without ``keepdims`` removed from ``g``."""
    if axis is None:
        return g
    ndim = ndim_of(like)
    axes = (axis,) if isinstance(axis, int) else axis
    xp = namespace_of(g, like)
    g = as_array(g, like)
    for a in sorted(a % ndim for a in axes):
        g = xp.expand_dims(g, axis=a)
    return g


@xp_helper
def zeros_like(x):
    """A zero shaped like ``x``: ``0.0`` for a scalar, else an array of zeros."""
    if isinstance(x, (int, float, complex, bool)) or not is_array_api_obj(x):
        return 0.0
    xp = namespace_of(x)
    return xp.zeros_like(x, dtype=as_array(0.0, x).dtype)


@xp_helper
def scalar_output(y):
    """``y``, after checking that it is a scalar: a gradient needs a scalar output."""
    if type(y) is not float and ndim_of(y) != 0:
        raise ValueError(
            f"grad needs a function with a scalar output, but it returned an array of "
            f"shape {shape_of(y)}; use vjp with a cotangent, or jacobian"
        )
    return y


@xp_helper
def gradient_like(g, x):
    """``g`` given the type of ``x``: a float for a Python number (if ``g`` is one),
    else an array of ``x``'s shape and floating dtype in the namespace ``g`` was
    computed in (a Dask gradient stays lazy: compute it with ``dask.compute``)."""
    if isinstance(x, (float, int)) and isinstance(g, (float, int)):
        return float(g)
    if not hasattr(x, "shape"):
        return g
    xp = namespace_of(g, x)
    if shape_of(g) != shape_of(x):
        g = xp.broadcast_to(as_array(g, x), shape_of(x))
    if g.dtype != x.dtype and xp.isdtype(x.dtype, "real floating"):
        g = xp.astype(g, x.dtype)
    flags = getattr(g, "flags", None)  # NumPy and CuPy: a broadcast view is read-only
    if (flags is not None and not flags.writeable) or (
        hasattr(g, "is_contiguous") and not g.is_contiguous()
    ):
        g = xp.asarray(g, copy=True)
    return g


@xp_helper
def extremum(a, b, largest=True):
    """``np.maximum(a, b)`` (``np.minimum`` if not ``largest``); two Python numbers
    (a size in a mean's adjoint) stay one."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return max(a, b) if largest else min(a, b)
    xp = namespace_of(a, b)
    a, b = as_array(a, b), as_array(b, a)
    return xp.maximum(a, b) if largest else xp.minimum(a, b)


@xp_helper
def maximum_of(a, b):
    """``np.maximum(a, b)``."""
    return extremum(a, b)


@xp_helper
def minimum_of(a, b):
    """``np.minimum(a, b)``."""
    return extremum(a, b, largest=False)


# ---------------------------------------------------------- linear algebra


@xp_helper
def matmul_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``a @ b`` given the result's adjoint ``g``."""
    xp, g = namespace_of(g, a, b), as_array(g, a)
    if ndim_of(b) == 1:
        return unbroadcast(xp.expand_dims(g, axis=-1) * b, a)
    if ndim_of(a) == 1:
        return unbroadcast(xp.matmul(b, xp.expand_dims(g, axis=-1))[..., 0], a)
    return unbroadcast(xp.matmul(g, xp.matrix_transpose(b)), a)


@xp_helper
def matmul_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``a @ b`` given the result's adjoint ``g``."""
    xp, g = namespace_of(g, a, b), as_array(g, b)
    if ndim_of(a) == 1:
        if ndim_of(b) > 1:
            return unbroadcast(xp.expand_dims(a, axis=-1) * xp.expand_dims(g, axis=-2), b)
        return unbroadcast(g * a, b)
    if ndim_of(b) == 1 and ndim_of(a) == 2:  # a.T @ g, as one contraction over the rows
        return xp.tensordot(g, a, axes=([0], [0]))
    if ndim_of(b) == 1:
        return unbroadcast(xp.matmul(xp.matrix_transpose(a), xp.expand_dims(g, axis=-1))[..., 0], b)
    return unbroadcast(xp.matmul(xp.matrix_transpose(a), g), b)


@xp_helper
def dot(a, b):
    """``np.dot(a, b)`` in the array API: a product with a scalar, else a sum over the
    last axis of ``a`` and the second-to-last (or only) axis of ``b``."""
    if ndim_of(a) == 0 or ndim_of(b) == 0:
        return a * b
    xp = namespace_of(a, b)
    k = 0 if ndim_of(b) == 1 else ndim_of(b) - 2
    return xp.tensordot(a, b, axes=([ndim_of(a) - 1], [k]))


@xp_helper
def dot_adjoint_a(g, a, b):
    """The adjoint of ``a`` in ``np.dot(a, b)`` given the result's adjoint ``g``."""
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return unbroadcast(g * b, a)
    k = 0 if nb == 1 else nb - 2
    free_b = [i for i in range(nb) if i != k]
    g = as_array(g, a)
    return namespace_of(g, a, b).tensordot(g, b, axes=(list(range(na - 1, ndim_of(g))), free_b))


@xp_helper
def dot_adjoint_b(g, a, b):
    """The adjoint of ``b`` in ``np.dot(a, b)`` given the result's adjoint ``g``."""
    na, nb = ndim_of(a), ndim_of(b)
    if na == 0 or nb == 0:
        return unbroadcast(a * g, b)
    k = 0 if nb == 1 else nb - 2
    lead = list(range(na - 1))
    xp, g = namespace_of(g, a, b), as_array(g, b)
    return xp.moveaxis(xp.tensordot(a, g, axes=(lead, lead)), 0, k)


# ------------------------------------------------------------------ indexing


@xp_helper
def int_array_index(index):
    """Whether ``index`` holds an integer array or list, which may repeat positions."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (list, range)):
            return True
        if is_array_api_obj(part) and not isinstance(part, (int, bool)):
            xp = array_namespace(part)
            if xp.isdtype(part.dtype, "integral"):
                return True
    return False


@xp_helper
def written(y, index, v, add=False):
    """A copy of ``y`` with ``v`` written (``add``: added) at ``index``: the functional
    update every array library has (Dask's ``__setitem__`` builds a new graph)."""
    if int_array_index(index) and add:
        xp = namespace_of(y)
        raise ValueError(
            "adgen refuses this derivative: adding at an integer-array index (NumPy's add.at, "
            f"which repeated indices need) has no array-API form in {xp.__name__}; use "
            "slices or a boolean mask, or NumPy arrays"
        )
    xp = namespace_of(y, v)
    out = xp.asarray(y, copy=True)
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if hasattr(part, "chunks") and xp.isdtype(part.dtype, "bool") and ndim_of(v) > 0:
            raise ValueError(
                "adgen refuses this derivative: a write through a boolean mask of a Dask "
                "array (its values have no known shape); use xp.where, or NumPy arrays"
            )
    if any(p is None for p in parts):  # a newaxis: write into the index without it
        plain = tuple(p for p in parts if p is not None)
        v = xp.reshape(xp.broadcast_to(as_array(v, y), shape_of(out[index])), shape_of(out[plain]))
        index = plain
    out[index] = out[index] + v if add else v
    return out


@xp_helper
def copied(x):
    """``x.copy()``: a list's or dict's copy, or an array's."""
    if isinstance(x, (list, dict, set)):
        return x.copy()
    return namespace_of(x).asarray(x, copy=True)


@xp_helper
def gather_written(g, index):
    """``g[index]``: the adjoint of ``v`` in ``y[index] = v`` (a repeated integer index,
    where only the last write counts, is refused)."""
    if int_array_index(index):
        raise ValueError(
            "adgen refuses this derivative: a write at an integer-array index (which may "
            f"repeat positions) has no array-API adjoint in {namespace_of(g).__name__}; use "
            "slices, or NumPy arrays"
        )
    return g[index]


@xp_helper
def setitem(y, index, v):
    """A copy of ``y`` with ``y[index] = v``."""
    return written(y, index, v)


@xp_helper
def scatter_add(g, like, index):
    """Zeros shaped like ``like``, with ``g`` added at ``index``: the adjoint of ``like[index]``."""
    return written(zeros_like(as_array(like, g)), index, g, add=True)


@xp_helper
def row_adjoint(g, like, i):
    """Zeros shaped like ``like`` with row ``i`` set to ``g``: the adjoint of ``like[i]``."""
    return written(zeros_like(as_array(like, g)), i, g)


@xp_helper
def index_add(acc, g, index):
    """``acc`` with ``g`` added at ``index`` (a new array)."""
    return written(acc, index, g, add=True)


@xp_helper
def updated_in_place(new, old):
    """``new``, the value of ``old op= v``: it must keep ``old``'s shape."""
    if hasattr(old, "shape") and shape_of(new) != shape_of(old):
        raise ValueError(
            f"non-broadcastable output operand with shape {shape_of(old)} "
            f"doesn't match the broadcast shape {shape_of(new)}"
        )
    return new
