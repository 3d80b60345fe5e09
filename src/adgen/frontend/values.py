"""Compile-time values of the frontend, besides IR values and static objects.

* :class:`Pack`: a tuple, list or dict built in the function (or passed in as
  an argument), known item by item while lowering. Packs never reach the IR
  unless used as a runtime value, where they become ``make_tuple`` or
  ``make_list`` ops (non-differentiable, for shapes and index lists).
  Unpacking, constant subscripts, ``len``, ``sum``, ``+`` and returns work on
  the items directly, so a tuple of arrays stays differentiable.
* :class:`SliceValue`: ``slice(a, b, c)``, usable as an index component.
* :class:`Static`: a compile-time object (a module, a function, a class...).
* :class:`Parts`, :class:`Multi`: the several results of a call.
* :class:`Stale`: what a name denotes after an in-place write may or may not
  have changed it (a possible NumPy view); reading it is an error that says why.

Packs are immutable: a write into a list makes a new Pack, and every name
bound to the old one is rebound (see :mod:`adgen.frontend.indexing`), which
is how aliasing of Python lists is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ir import Const, Value, Var


@dataclass(frozen=True, eq=False)
class Pack:
    """A tuple, list or dict whose items are known while lowering."""

    kind: str  # "tuple", "list", "dict", or "object" (a dataclass or registered pytree)
    items: tuple[Any, ...]
    # for a dict: its keys, in order; for a NamedTuple or an object: the attribute
    # holding each item (None where unknown)
    keys: tuple[Any, ...] = ()
    # For a NamedTuple, dataclass or registered instance: (class, aux) of its tree
    # (see adgen.trees), so its class is known and it can be passed to a callee.
    node: Any = None

    def __post_init__(self) -> None:
        assert self.kind in ("tuple", "list", "dict", "object"), self.kind

    def attribute(self, name: str) -> Any:
        """The item held by attribute ``name`` (of a NamedTuple or object); KeyError if none."""
        if self.kind == "dict" or name not in self.keys:
            raise KeyError(name)
        return self.items[self.keys.index(name)]

    def replace(self, items: tuple[Any, ...]) -> Pack:
        return Pack(self.kind, tuple(items), self.keys, self.node)

    @property
    def cls(self) -> type:
        """The Python class of the value it stands for."""
        if self.node is not None:
            return self.node[0]  # type: ignore[no-any-return]
        return {"tuple": tuple, "list": list, "dict": dict}.get(self.kind, object)

    def lookup(self, key: Any) -> Any:
        """The item at a constant index (or dict key); KeyError/IndexError if none."""
        if self.kind == "dict":
            for k, v in zip(self.keys, self.items, strict=True):
                if type(k) is type(key) and k == key:
                    return v
            raise KeyError(key)
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(key)
        return self.items[key]


@dataclass(frozen=True)
class SliceValue:
    """``slice(start, stop, step)`` with each part an IR value."""

    start: Value
    stop: Value
    step: Value

    @staticmethod
    def of(*parts: Value) -> SliceValue:
        none = Const(None)
        parts = parts + (none,) * (3 - len(parts))
        return SliceValue(*parts)


@dataclass(frozen=True, eq=False)
class Stale:
    """A name that an earlier in-place write may have changed (or not)."""

    message: str


@dataclass(frozen=True, eq=False)
class MaybeUnbound:
    """A name a loop binds, after the loop: ``value`` if the loop ran, else unbound
    (``value`` is then None and reading the name raises UnboundLocalError)."""

    value: Var
    name: str


@dataclass(frozen=True)
class Multi:
    """The results of a call to a function that returns a tuple."""

    values: tuple[Var, ...]


def pack_names(value: Any) -> set[str]:
    """The SSA names a binding holds, directly or inside packs."""
    if isinstance(value, Var):
        return {value.name}
    if isinstance(value, Pack):
        out: set[str] = set()
        for item in value.items:
            out |= pack_names(item)
        return out
    return set()


@dataclass(frozen=True)
class Static:
    """A compile-time object an expression denotes: a module, function, class..."""

    obj: Any


@dataclass(frozen=True)
class Parts:
    """The components of a call that returns a tuple, each computed by its own op."""

    values: tuple[Value, ...]


Lowered = Value | Static | Pack | SliceValue | Stale | Parts | Multi

_CONST_TYPES = (bool, int, float, complex, str, type(None))


def is_const(obj: Any) -> bool:
    """Whether a Python object can be an IR constant (numbers, strings, None, tuples)."""
    if isinstance(obj, tuple):
        return all(is_const(o) for o in obj)
    return type(obj) in _CONST_TYPES or isinstance(obj, (np.floating, np.integer, np.bool_))


def py_const(obj: Any) -> Any:
    """``obj`` with NumPy scalars made Python numbers (the IR's constants)."""
    if isinstance(obj, tuple):
        return tuple(py_const(o) for o in obj)
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return obj


def describe(obj: Any) -> str:
    """A short name for a compile-time object, for messages."""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    module = getattr(obj, "__module__", None)
    if name:
        return f"{module}.{name}" if module and module != "builtins" else name
    return type(obj).__name__
