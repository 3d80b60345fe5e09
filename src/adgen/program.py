"""A program: the function being differentiated and every function it calls.

Calls to the user's own Python functions are kept as calls (``call`` ops that
name a function of the program), so each callee is lowered once, and each
derivative of a callee (its JVP, or its VJP with respect to some parameters)
is one more function of the program, generated once and reused by every call
site. Recursion works because a function is registered before its body is
lowered or differentiated.

A transform that meets a call only asks :meth:`Program.derivative` for the
*name* of the callee's derivative; the request is queued in ``pending`` and
the pipeline derives it afterwards (:func:`adgen.pipeline.derive`), so this
module needs nothing from the layers above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import DifferentiationError
from .ir import Function, walk

#: What a derivative is: a gradient, a vector-Jacobian or a Jacobian-vector product.
Kind = Literal["grad", "vjp", "jvp"]


@dataclass(eq=False)
class Program:
    """The functions of one compilation, by name."""

    functions: dict[str, Function] = field(default_factory=dict)
    # (code object, closure contents ids) -> name of the lowered function.
    origins: dict[Any, str] = field(default_factory=dict)
    # (function name, kind, wrt) -> name of the derivative function.
    derived: dict[tuple[str, str, tuple[str, ...]], str] = field(default_factory=dict)
    # Objects kept alive so the ids in ``origins`` stay unique.
    keep: list[Any] = field(default_factory=list)
    # Derivatives named but not yet built: (new name, function name, kind, wrt).
    pending: list[tuple[str, str, Kind, tuple[str, ...]]] = field(default_factory=list)

    def copy(self) -> Program:
        """A program with the same functions, to which new ones can be added without
        changing this one (a compilation starting from IR another one made)."""
        return Program(
            dict(self.functions),
            dict(self.origins),
            dict(self.derived),
            list(self.keep),
            list(self.pending),
        )

    def fresh_name(self, base: str) -> str:
        name, k = base, 2
        while name in self.functions:
            name, k = f"{base}{k}", k + 1
        return name

    def callee(self, f: Any, lower: Any, trees: Any = None) -> str:
        """The name of the lowered user function ``f`` (lowering it if new), for
        arguments of the container structure ``trees`` (None: plain values)."""
        cells = tuple(id(c.cell_contents) for c in (f.__closure__ or ()) if cell_full(c))
        key = (f.__code__, cells) if trees is None else (f.__code__, cells, trees)
        if key in self.origins:
            return self.origins[key]
        name = self.fresh_name(f.__name__ if f.__name__ != "<lambda>" else "lambda_")
        self.origins[key] = name
        self.functions[name] = None  # type: ignore[assignment]  # registered: recursion
        self.keep.append(f)
        fn = lower(f, self) if trees is None else lower(f, self, trees)
        fn.name = name
        self.functions[name] = fn
        return name

    def derivative(self, name: str, kind: Kind, wrt: tuple[str, ...]) -> str:
        """The name of ``kind`` (``jvp`` or ``vjp``) of function ``name`` w.r.t. ``wrt``.

        A new derivative is registered under its name (so recursive calls find
        it) and queued in ``pending``; its body is built by whoever drains it.
        """
        key = (name, kind, wrt)
        if key in self.derived:
            return self.derived[key]
        fn = self.functions[name]
        if fn is None:
            raise DifferentiationError(f"{name} is not lowered yet")
        differentiable = [p for p in fn.params]
        suffix = "" if list(wrt) == differentiable else "_" + "_".join(wrt)
        new_name = self.fresh_name(f"{name}_{kind}{suffix}")
        self.derived[key] = new_name
        self.functions[new_name] = None  # type: ignore[assignment]
        self.pending.append((new_name, name, kind, wrt))
        return new_name

    def reachable(self, fn: Function) -> list[Function]:
        """The functions ``fn`` calls, directly or not, in a stable order."""
        out: list[Function] = []
        seen = {fn.name}
        stack = [fn]
        while stack:
            cur = stack.pop(0)
            for op in walk(cur.body):
                if op.prim == "call":
                    callee = op.attrs["fn"]
                    if callee not in seen:
                        seen.add(callee)
                        target = self.functions[callee]
                        out.append(target)
                        stack.append(target)
        return out


def cell_full(cell: Any) -> bool:
    """Whether a closure cell holds a value (a cell of a name not yet bound is empty)."""
    try:
        _ = cell.cell_contents
    except ValueError:
        return False
    return True
