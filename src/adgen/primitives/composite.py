"""Composite functions: a library function lowered onto existing primitives.

A *composite* stands for a callable in user code (``scipy.stats.norm.logpdf``)
that is a short formula over primitives of the table. The frontend expands a
call of it where it stands, running :attr:`Composite.body` over the call's
operands as :class:`~adgen.primitives.core.Sym` values; the ops the body builds
are appended to the function being lowered. Its derivatives, to any order,
are then those of the primitives it is made of: a composite has no rules of
its own, and none that can be wrong.

Arguments bind as in the library function: ``params`` in order, positionally
or by keyword, a missing one taking its default from ``defaults`` (a missing
one without a default is an error); ``attrs`` are arguments that must be
constants in the source (an ``axis``), passed to the body as keywords. A
body may return a tuple of values, for a call unpacked where it stands
(``lse, sign = logsumexp(a, return_sign=True)``), or a list, for a list of
arrays (``np.split``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .core import DEFERRED, Sym, _defining_module, load_deferred


@dataclass
class Composite:
    """One composite: how it is called and the formula it expands to."""

    name: str
    params: tuple[str, ...]
    body: Callable[..., Sym]
    defaults: dict[str, Any] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)
    callables: tuple[Any, ...] = ()
    doc: str = ""
    family: str = ""
    # The order of the positional arguments, if not ``params`` then ``attrs``.
    positional: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The arguments in the order they may be passed positionally."""
        return self.positional or (*self.params, *self.attrs)


COMPOSITES: dict[str, Composite] = {}
BY_CALLABLE: dict[Any, str] = {}


def define_composite(comp: Composite) -> Composite:
    """Add ``comp``; each name and callable may be defined once."""
    if comp.name in COMPOSITES:
        raise ValueError(f"composite {comp.name!r} defined twice")
    if not comp.family:
        comp.family = _defining_module()
    COMPOSITES[comp.name] = comp
    for c in comp.callables:
        if c in BY_CALLABLE:
            raise ValueError(f"{c!r} given to composites {BY_CALLABLE[c]!r} and {comp.name!r}")
        BY_CALLABLE[c] = comp.name
    return comp


def lookup_composite(obj: Any) -> Composite | None:
    """The composite a callable stands for, or None (loads optional families first)."""
    try:
        name = BY_CALLABLE.get(obj)
        if name is None and DEFERRED:
            load_deferred()
            name = BY_CALLABLE.get(obj)
    except TypeError:  # unhashable
        return None
    return None if name is None else COMPOSITES[name]
