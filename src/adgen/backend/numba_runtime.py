"""Compiling generated source with numba: the runtime helpers for numba, and the compile.

Importing this module imports numba. Each runtime helper the numba backend
supports (:data:`adgen.backend.numba.NUMBA_HELPERS`) gets a numba
implementation through ``numba.extending.overload`` on the helper itself, so
the generated source calls the same names under both backends; the
implementation is chosen by the numba types of the arguments (a scalar or an
array of some rank), which is what the NumPy helpers test at run time. A
case an implementation does not cover is a typing error naming the helper,
never a different number.

:func:`compile_source` execs generated source and wraps every function it
defines in ``numba.njit`` (they call each other: the derivative and its
callees). :class:`NumbaFunction` is what callers get: numba compiles on the
first call with given argument types, and a failure then is reported as a
:class:`~adgen.errors.DifferentiationError` naming the construct and the
user's line, or, with a fallback, answered by the NumPy backend's function
with a warning.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from numba import types
from numba.core.errors import NumbaError
from numba.extending import overload

from .. import runtime
from ..errors import DifferentiationError
from ..ir import Loc

__all__ = ["NumbaFunction", "compile_source", "tape_grow", "trip_count"]


@numba.njit(cache=False)
def trip_count(start, stop, step):
    """``len(range(start, stop, step))``: the capacity of a ``for`` loop's tape."""
    if step > 0:
        return max(0, (stop - start + step - 1) // step)
    return max(0, (start - stop - step - 1) // -step)


@numba.njit(cache=False)
def tape_grow(a):
    """A copy of tape array ``a`` with twice the room (a ``while`` loop's tape)."""
    out = np.empty(2 * a.shape[0], a.dtype)
    out[: a.shape[0]] = a
    return out


def _scalar(t):
    return isinstance(t, (types.Number, types.Boolean))


def _scalar_like(t):
    """A scalar, None or an optional scalar: a ``like`` operand whose shape is ()
    (a branch that did not run leaves None where NumPy's helper sees no shape)."""
    if isinstance(t, types.Optional):
        t = t.type
    return _scalar(t) or isinstance(t, (types.NoneType, types.Omitted))


def _array(t):
    return isinstance(t, types.Array)


def _unsupported(helper: str, *ts):
    raise numba.core.errors.TypingError(
        f"the numba backend's {helper} does not take ({', '.join(map(str, ts))})"
    )


_NOT_SCALAR = (
    f"{runtime.NOT_SCALAR}, but it returned an array; use vjp with a cotangent, or jacobian"
)


@overload(runtime.scalar_output)
def _scalar_output(y):
    if _scalar(y):
        return lambda y: y
    if _array(y) and y.ndim == 0:
        return lambda y: y[()]
    if _array(y):

        def impl(y):
            if y.ndim:  # always: the branch keeps the result a float for numba
                raise ValueError(_NOT_SCALAR)
            return y.ravel()[0]

        return impl
    _unsupported("scalar_output", y)


@overload(runtime.zeros_like)
def _zeros_like(x):
    if _scalar_like(x):
        return lambda x: 0.0
    if _array(x):
        if isinstance(x.dtype, types.Float):
            return lambda x: np.zeros(x.shape, x.dtype)
        return lambda x: np.zeros(x.shape)
    _unsupported("zeros_like", x)


@overload(runtime.unbroadcast)
def _unbroadcast(g, like):
    if _scalar_like(like) and _scalar(g):
        return lambda g, like: g
    if _scalar(like) and _array(g):
        return lambda g, like: np.sum(g)
    if _array(like) and _scalar(g) and like.ndim == 0:
        return lambda g, like: g
    if _array(like) and _array(g) and g.ndim == like.ndim == 1:

        def impl1(g, like):
            if g.shape[0] == like.shape[0]:
                return g
            return np.full(1, np.sum(g))  # like has one element: the broadcast one

        return impl1
    if _array(like) and _array(g) and g.ndim == like.ndim + 1 and like.ndim == 1:

        def impl21(g, like):
            s = g.sum(axis=0)
            if s.shape[0] == like.shape[0]:
                return s
            return np.full(1, np.sum(s))

        return impl21
    if _array(like) and _array(g) and g.ndim == like.ndim:

        def impl_same(g, like):
            if g.shape != like.shape:
                raise ValueError(
                    "the numba backend sums broadcast adjoints of arrays of "
                    "rank >= 2 only when their shapes agree"
                )
            return g

        return impl_same
    _unsupported("unbroadcast", g, like)


@overload(runtime.broadcast_like)
def _broadcast_like(g, like):
    if _scalar(like):
        return lambda g, like: g
    if _array(like) and _scalar(g):
        return lambda g, like: np.full(like.shape, g)
    if _array(like) and _array(g):
        return lambda g, like: np.broadcast_to(g, like.shape)
    _unsupported("broadcast_like", g, like)


@overload(runtime.reshape_like)
def _reshape_like(g, like):
    if _scalar(like) and _scalar(g):
        return lambda g, like: g
    if _scalar(like) and _array(g):
        return lambda g, like: g.ravel()[0]
    if _array(like) and _array(g):
        return lambda g, like: np.ascontiguousarray(g).reshape(like.shape)
    if _array(like) and _scalar(g):
        return lambda g, like: np.full(like.shape, g)
    _unsupported("reshape_like", g, like)


def _basic_index(t):
    """An index of integers and slices: what numba indexes with (a view or an element)."""
    parts = t if isinstance(t, types.BaseTuple) else (t,)
    return all(isinstance(p, (types.Integer, types.SliceType)) for p in parts)


@overload(runtime.index_add)
def _index_add(acc, g, index):
    if not _array(acc):
        _unsupported("index_add", acc, g, index)
    if _basic_index(index):

        def impl(acc, g, index):
            acc[index] += g
            return acc

        return impl
    if (
        _array(index)
        and isinstance(index.dtype, types.Integer)
        and index.ndim == 1
        and acc.ndim == 1
    ):
        if _array(g):

            def impl_g(acc, g, index):
                for k in range(index.shape[0]):
                    acc[index[k]] += g[k]
                return acc

            return impl_g

        def impl_s(acc, g, index):
            for k in range(index.shape[0]):
                acc[index[k]] += g
            return acc

        return impl_s
    _unsupported("index_add", acc, g, index)


def _int_vector(t):
    return _array(t) and isinstance(t.dtype, types.Integer) and t.ndim == 1


@overload(runtime.scatter_add)
def _scatter_add(g, like, index):
    if _array(like) and _basic_index(index):

        def impl(g, like, index):
            out = np.zeros(like.shape)
            out[index] = g
            return out

        return impl
    if _array(like) and like.ndim == 1 and _int_vector(index):

        def impl_at(g, like, index):
            out = np.zeros(like.shape)
            return runtime.index_add(out, g, index)

        return impl_at
    _unsupported("scatter_add", g, like, index)


@overload(runtime.setitem)
def _setitem(y, index, v):
    if _array(y) and (_basic_index(index) or (y.ndim == 1 and _int_vector(index))):

        def impl(y, index, v):
            out = y.copy()
            out[index] = v
            return out

        return impl
    _unsupported("setitem", y, index, v)


@overload(runtime.row_adjoint)
def _row_adjoint(g, like, i):
    if _array(like) and isinstance(i, types.Integer):

        def impl(g, like, i):
            out = np.zeros(like.shape)
            out[i] = g
            return out

        return impl
    _unsupported("row_adjoint", g, like, i)


# ------------------------------------------------------------------ compiling

TAPE = {"trip_count": trip_count, "tape_grow": tape_grow}
_LINE = re.compile(r'File "(<adgen [^>]*>)", line (\d+)')


def compile_source(ns: dict[str, Any], names: list[str], cache: bool = False) -> dict[str, Any]:
    """Wrap the functions ``names`` (already exec'd into ``ns``) in ``numba.njit``,
    in ``ns`` itself, so that they call each other compiled; returns ``ns``."""
    ns.update(TAPE)
    for name in names:
        ns[name] = numba.njit(cache=cache)(ns[name])
    return ns


class NumbaFunction:
    """A numba-compiled derivative; its first call with given types compiles it.

    A compile failure raises :class:`DifferentiationError` naming the user's line
    (``line_locs`` maps lines of the generated source to it), or, when
    ``fallback`` (the NumPy backend's function) is given, warns once and calls
    that from then on.
    """

    def __init__(
        self, dispatcher: Any, line_locs: dict[int, Loc], fallback: Callable[..., Any] | None = None
    ) -> None:
        self.dispatcher = dispatcher
        self.line_locs = line_locs
        self.fallback = fallback
        self.__name__ = getattr(dispatcher, "__name__", "derivative")
        self.__wrapped__ = getattr(dispatcher, "py_func", dispatcher)
        self._call: Callable[..., Any] = dispatcher

    def __call__(self, *args: Any) -> Any:
        for a in args:
            if type(a) is np.ndarray and a.ndim == 0:
                # numba types a 0-d array apart from a number; NumPy treats them alike
                args = tuple(b[()] if type(b) is np.ndarray and b.ndim == 0 else b for b in args)
                break
        try:
            return self._call(*args)
        except NumbaError as exc:
            reason = self.reason(exc)
            if self.fallback is None:
                raise DifferentiationError(
                    f"the numba backend cannot compile this derivative: {reason}; use "
                    "backend='numpy', or backend='numba' with fallback='numpy'"
                ) from None
            warnings.warn(
                f"adgen: numba cannot compile this derivative ({reason}); using the NumPy backend",
                RuntimeWarning,
                stacklevel=3,
            )
            self._call = self.fallback
            return self.fallback(*args)

    def reason(self, exc: BaseException) -> str:
        """The first line of numba's message, and the user's line it comes from."""
        text = str(exc)
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", ln) for ln in lines]
        head = next(
            (
                ln
                for ln in lines
                if not ln.startswith(("-", "During:", "File", "Failed in", ">>>", "^"))
            ),
            type(exc).__name__,
        )
        call = next((ln[3:].strip() for ln in lines if ln.startswith(">>>")), None)
        if call is not None and head.startswith("No implementation"):
            head = f"numba has no implementation of {call}"
        for match in _LINE.finditer(text):
            loc = self.line_locs.get(int(match.group(2)))
            if loc is not None:
                return f"{head} (line {loc.lineno}: {loc.text.strip()})"
        return head
