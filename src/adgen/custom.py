"""Custom derivative rules: give any callable its own VJP and JVP.

``defvjp(func, *rules)`` and ``defjvp(func, *rules)`` make ``func`` (a
function of yours, or a library's callable such as ``scipy.special.expit``)
a primitive of its own: adgen no longer looks inside it, the generated code
calls it by name, and its derivatives call your rule functions by name.

* ``rules[i]`` of :func:`defvjp` is ``rule(g, out, *args)``: the adjoint of
  argument ``i`` given the adjoint ``g`` of ``out = func(*args)``, shaped
  like argument ``i``.
* ``rules[i]`` of :func:`defjvp` is ``rule(t, out, *args)``: the tangent of
  ``out`` due to the tangent ``t`` of argument ``i`` (the contributions of
  all arguments are summed).
* ``None`` for argument ``i`` declares ``func`` not differentiable in it
  (zero derivative); arguments after the last rule given are not
  differentiable either.

Reverse mode needs the VJP rules, forward mode the JVP rules; a mode whose
rules are missing raises :class:`~adgen.errors.DifferentiationError` saying
which to register. Rules are ordinary callables: to take a derivative of a
derivative (``hessian`` is forward over reverse), register rules for the
rule functions in turn.

In the generated source, ``func`` and the rules appear under their
``__name__`` (lambdas are named ``<func>_vjp<i>`` / ``<func>_jvp<i>``), and
in-process those names are bound in the generated function's namespace. A
module written by ``adgen generate`` must import them itself.

Each registered callable gets an entry ``custom.<name>`` in the primitive
table; registering again replaces its rules. Every change bumps
:data:`VERSION`, which derivatives compiled before it compare against (see
:mod:`adgen.cache`): they are compiled again on their next use. This module
imports nothing above the primitive table.
"""

from __future__ import annotations

import ast
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import DifferentiationError
from .ir import Block, Function, Op, Var
from .primitives.core import BY_CALLABLE, PRIMITIVES, Primitive, call, from_partials

Rule = Callable[..., Any] | None


@dataclass(eq=False)
class CustomFunction:
    """A callable that is a primitive of its own, and its rules."""

    func: Any
    name: str  # the name the generated code calls it by
    params: tuple[str, ...]
    defaults: dict[str, Any]
    prim: str
    vjps: tuple[CustomFunction | None, ...] | None = None
    jvps: tuple[CustomFunction | None, ...] | None = None
    role: str = ""  # "" for a user's function; "vjp"/"jvp" for a rule
    owner: str = ""  # for a rule: the name of the function it differentiates

    def bindings(self) -> dict[str, Any]:
        """Name -> object of this callable and of every rule reachable from it."""
        out: dict[str, Any] = {}
        stack = [self]
        while stack:
            c = stack.pop()
            if c.name in out:
                continue
            out[c.name] = c.func
            for rules in (c.vjps, c.jvps):
                stack.extend(r for r in rules or () if r is not None)
        return out


_lock = threading.RLock()
#: How many times the registry changed; a one-item list, so readers keep a
#: reference and see later changes (a compiled entry is stale once it moved).
VERSION = [0]
_BY_FUNC: dict[Any, CustomFunction] = {}
_NAMES: dict[str, Any] = {}
# Callable -> the primitive it stood for before it got rules of its own (or None).
_PREVIOUS: dict[Any, str | None] = {}


def undefine(func: Any) -> None:
    """Forget the rules registered for ``func`` (and its rule functions): it is again
    what it was before (a built-in primitive, or unknown)."""
    with _lock:
        entry = _BY_FUNC.get(func)
        if entry is None:
            return
        for rules in (entry.vjps, entry.jvps):
            for r in rules or ():
                if r is not None and r.func is not func:
                    undefine(r.func)
        del _BY_FUNC[func]
        _NAMES.pop(entry.name, None)
        PRIMITIVES.pop(entry.prim, None)
        previous = _PREVIOUS.pop(func, None)
        if previous is None:
            BY_CALLABLE.pop(func, None)
        else:
            BY_CALLABLE[func] = previous
        _changed()


def lookup(func: Any) -> CustomFunction | None:
    """The custom primitive ``func`` was made into, or None."""
    try:
        return _BY_FUNC.get(func)
    except TypeError:
        return None


def binding_names() -> set[str]:
    """Every name a custom primitive or rule is called by in generated code."""
    return set(_NAMES)


def _signature(func: Any, nrules: int) -> tuple[tuple[str, ...], dict[str, Any]]:
    nin = getattr(func, "nin", None)
    if isinstance(nin, int):  # a NumPy ufunc: its operands, not out=, where=...
        return (("x",) if nin == 1 else tuple(f"x{i}" for i in range(nin))), {}
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return tuple(f"x{i}" for i in range(nrules)), {}
    params = []
    defaults = {}
    for p in sig.parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            if p.kind == p.VAR_POSITIONAL and not params and nrules:
                # func(*args, **kwargs), as NumPy ufuncs report: one operand per rule
                return tuple(f"x{i}" for i in range(nrules)), {}
            continue
        params.append(p.name)
        if p.default is not p.empty:
            defaults[p.name] = p.default
    return tuple(params), defaults


def _name_for(func: Any, wanted: str | None, fallback: str) -> str:
    name = wanted or getattr(func, "__name__", None) or fallback
    if not name.isidentifier() or name.startswith("<"):
        name = fallback
    base, k = name, 1
    while name in _NAMES and _NAMES[name] is not func:
        k += 1
        name = f"{base}_{k}"
    return name


def _register(
    func: Any, name: str | None, fallback: str, nrules: int, role: str = "", owner: str = ""
) -> CustomFunction:
    entry = lookup(func)
    if entry is not None:
        return entry
    if not callable(func):
        raise TypeError(f"adgen custom rules apply to callables, not {func!r}")
    name = _name_for(func, name, fallback)
    params, defaults = _signature(func, nrules)
    prim = f"custom.{name}"
    entry = CustomFunction(func, name, params, defaults, prim, role=role, owner=owner)
    try:
        _BY_FUNC[func] = entry
    except TypeError:
        raise TypeError(
            f"adgen cannot register rules for the unhashable object {func!r}; wrap it in a function"
        ) from None
    _NAMES[name] = func
    _PREVIOUS[func] = BY_CALLABLE.get(func)
    BY_CALLABLE[func] = prim
    PRIMITIVES[prim] = Primitive(
        prim,
        _emitter(name),
        params,
        jvp=_missing(entry, "jvp"),
        vjps=tuple(_missing(entry, "vjp") for _ in params),
        callables=(func,),
        doc=f"{name}, a function with custom derivative rules",
    )
    return entry


def _emitter(name: str) -> Callable[[list[ast.expr], dict[str, Any]], ast.expr]:
    def emit(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
        return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])

    return emit


def _missing(entry: CustomFunction, kind: str) -> Callable[..., Any]:
    def rule(*args: Any, **attrs: Any) -> Any:
        if entry.role:
            raise DifferentiationError(
                f"{entry.name} is the {entry.role} rule of {entry.owner} and has no "
                f"derivative rules of its own; a derivative of a derivative (such as "
                f"hessian) needs them: register them with adgen.defvjp({entry.name}, ...) "
                f"and adgen.defjvp({entry.name}, ...)"
            )
        other = (
            "forward mode (jvp, jacobian, hessian)" if kind == "jvp" else "reverse mode (grad, vjp)"
        )
        raise DifferentiationError(
            f"{entry.name} has custom derivative rules but no {kind.upper()} rule, which "
            f"{other} needs; register one with adgen.def{kind}({entry.name}, ...)"
        )

    return rule


def _rules(
    entry: CustomFunction, rules: tuple[Rule, ...], kind: str
) -> tuple[CustomFunction | None, ...]:
    if len(rules) > len(entry.params):
        raise DifferentiationError(
            f"def{kind}({entry.name}, ...): {len(rules)} rules given, but {entry.name} takes "
            f"{len(entry.params)} argument(s) ({', '.join(entry.params)})"
        )
    out: list[CustomFunction | None] = []
    for i, r in enumerate(rules):
        if r is None:
            out.append(None)
            continue
        fallback = f"{entry.name}_{kind}{i if len(entry.params) > 1 else ''}"
        out.append(_register(r, None, fallback, len(entry.params) + 2, kind, entry.name))
    out.extend([None] * (len(entry.params) - len(out)))
    return tuple(out)


def _vjp_rule(rule: CustomFunction | None) -> Callable[..., Any] | None:
    if rule is None:
        return lambda g, out, *args: None
    return lambda g, out, *args: call(rule.prim, g, out, *args)


def _jvp_partial(rule: CustomFunction | None) -> Callable[..., Any] | None:
    if rule is None:
        return None
    return lambda t, out, *args: call(rule.prim, t, out, *args)


def defvjp(func: Any, *vjps: Rule, name: str | None = None) -> Any:
    """Give ``func`` reverse-mode rules: ``vjps[i](g, out, *args)`` is the adjoint of
    argument ``i``. Returns ``func``. See :mod:`adgen.custom`."""
    with _lock:
        entry = _register(func, name, "custom_function", len(vjps))
        entry.vjps = _rules(entry, vjps, "vjp")
        prim = PRIMITIVES[entry.prim]
        prim.vjps = tuple(_vjp_rule(r) for r in entry.vjps)
        _changed()
    return func


def defjvp(func: Any, *jvps: Rule, name: str | None = None) -> Any:
    """Give ``func`` forward-mode rules: ``jvps[i](t, out, *args)`` is the tangent of the
    result due to the tangent ``t`` of argument ``i``. Returns ``func``."""
    with _lock:
        entry = _register(func, name, "custom_function", len(jvps))
        entry.jvps = _rules(entry, jvps, "jvp")
        prim = PRIMITIVES[entry.prim]
        partials = [_jvp_partial(r) for r in entry.jvps]
        prim.jvp = (
            from_partials(*partials)
            if any(p is not None for p in partials)
            else (lambda ts, out, *args: None)
        )
        _changed()
    return func


def custom_derivative(
    func: Any = None,
    *,
    vjp: Rule | tuple[Rule, ...] = None,
    jvp: Rule | tuple[Rule, ...] = None,
    name: str | None = None,
) -> Any:
    """Register both kinds of rules at once; usable as a decorator.

    ``vjp`` and ``jvp`` are one rule (for a one-argument function) or a tuple
    of rules, one per argument::

        @adgen.custom_derivative(vjp=softplus_vjp, jvp=softplus_jvp)
        def softplus(x): ...
    """

    def wrap(f: Any) -> Any:
        if vjp is not None:
            defvjp(f, *(vjp if isinstance(vjp, tuple) else (vjp,)), name=name)
        if jvp is not None:
            defjvp(f, *(jvp if isinstance(jvp, tuple) else (jvp,)), name=name)
        if vjp is None and jvp is None:
            _register(f, name, "custom_function", 0)
        return f

    return wrap if func is None else wrap(func)


def _changed() -> None:
    VERSION[0] += 1


def lower_custom(func: Any) -> Any:
    """The IR of a function that has custom rules: one op that calls it (or None).

    Differentiating such a function directly (``adgen.grad(softplus)``) uses
    its rules rather than its body.
    """
    entry = lookup(func)
    if entry is None:
        return None
    out = "out"
    while out in entry.params:
        out += "_"
    op = Op([out], entry.prim, [Var(p) for p in entry.params])
    return Function(
        name=entry.name,
        params=list(entry.params),
        body=Block(ops=[op], results=[Var(out)]),
        freevars=entry.bindings(),
        filename=getattr(getattr(func, "__code__", None), "co_filename", "<unknown>"),
    )
