"""The algebraic identities of arithmetic primitives: one table, two users.

The rule :class:`~adgen.primitives.core.Builder` applies them while a rule
builds IR, and :mod:`adgen.passes.identities` applies them to whole functions
(where substitutions such as a seed ``1.0`` for a cotangent bring new ones
about: ``1.0 * c`` is ``c``).

An identity replaces an op by one of its operands, so it must keep the
result's value, shape and dtype exactly:

* The constant is a Python scalar, so the kept operand already has the
  result's shape (``x * 1`` broadcasts nothing). ``x * 0`` is not here: it is
  not ``0`` for inf or nan, nor of ``x``'s shape.
* ``x * 1.0`` is ``x`` only for a floating (or complex) ``x``: for an integer
  ``n``, ``n * 1.0`` is a float, and for a boolean mask ``m``, ``m * 1`` is an
  integer array, which indexes differently. Every identity therefore asks
  that the kept operand be *inexact* (floating or complex). The pass proves
  this from the table's ``float_result`` facts; the Builder assumes it, as
  rules combine tangents and adjoints, which are inexact by construction.
* ``x + 0.0`` gives ``0.0`` where ``x`` is ``-0.0``: the one difference kept,
  in the sign of a zero (the two compare equal), as the adjoint sums it
  simplifies start from zero.

Constant arithmetic on Python numbers (:func:`fold`) is done as the generated
code would do it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ir import Const, Op, Value, Var


@dataclass(frozen=True)
class Identity:
    """``prim(..., c, ...)`` with the constant ``c`` (== one of ``values``) at
    position ``const_at`` is operand ``keep``."""

    prim: str
    const_at: int
    values: tuple[float, ...]
    keep: int
    example: str


IDENTITIES: tuple[Identity, ...] = (
    Identity("mul", 1, (1,), 0, "x * 1 is x"),
    Identity("mul", 0, (1,), 1, "1 * x is x"),
    Identity("add", 1, (0,), 0, "x + 0 is x"),
    Identity("add", 0, (0,), 1, "0 + x is x"),
    Identity("sub", 1, (0,), 0, "x - 0 is x"),
    Identity("div", 1, (1,), 0, "x / 1 is x"),
    Identity("pow", 1, (1,), 0, "x ** 1 is x"),
)
_BY_PRIM: dict[str, tuple[Identity, ...]] = {}
for _identity in IDENTITIES:
    _BY_PRIM[_identity.prim] = (*_BY_PRIM.get(_identity.prim, ()), _identity)

# Python's own arithmetic on number constants, as the generated code does it.
_FOLD: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "neg": lambda a: -a,
}


def number(v: Value) -> bool:
    """Whether ``v`` is a constant Python int or float (not a bool)."""
    return isinstance(v, Const) and type(v.value) in (int, float)


def fold(prim: str, args: list[Value]) -> Value | None:
    """The constant result of ``prim`` on number constants, or None."""
    if not args or not all(number(a) for a in args):
        return None
    a = [v.value for v in args]  # type: ignore[union-attr]
    try:
        if prim in _FOLD:
            return Const(_FOLD[prim](*a))
        if prim == "pow" and isinstance(a[1], int) and a[1] >= 0 and abs(a[0]) < 1e6:
            return Const(a[0] ** a[1])
    except (OverflowError, ZeroDivisionError):
        return None
    return None


def _matches(v: Value, values: tuple[float, ...]) -> bool:
    return number(v) and any(v.value == x for x in values)  # type: ignore[union-attr]


def simplify(
    prim: str,
    args: list[Value],
    producer: Callable[[str], Op | None],
    inexact: Callable[[Value], bool],
) -> Value | None:
    """The value ``prim(*args)`` equals by an identity or constant folding, or None.

    ``producer(name)`` is the op defining ``name`` (None if unknown): it finds
    ``-(-x)``. ``inexact(v)`` tells whether ``v`` is known floating or complex.
    """
    folded = fold(prim, args)
    if folded is not None:
        return folded
    for identity in _BY_PRIM.get(prim, ()):
        if len(args) == 2 and _matches(args[identity.const_at], identity.values):
            kept = args[identity.keep]
            if inexact(kept):
                return kept
    if prim == "neg" and isinstance(args[0], Var):
        inner = producer(args[0].name)
        if inner is not None and inner.prim == "neg" and not inner.blocks:
            return inner.args[0]  # -(-x) is x
    return None
