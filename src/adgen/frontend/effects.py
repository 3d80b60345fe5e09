"""Effects that do not change values, and the strings they show.

``print(...)``, ``logging`` calls (module functions and loggers), and
``warnings.warn`` as statements; ``assert test, message``; ``raise E(...)``
with ``E`` a builtin exception; f-strings and ``'...'.format(...)``. Each
effect is an op without results (see :mod:`adgen.primitives.effects`) in the
block where the function has it, so a derivative runs it in its forward
sweep once per call, in order, under the same conditions.

Example::

    assert x.shape == (3,), "x must have 3 items"   ->  assert(t1, "x must have 3 items")
    if r > 1.0:                                          if(t2):
        raise ValueError(f"r = {r:.3f} is too big")        t3 = fstring(r, parts=...)
                                                           raise(t3, kind="ValueError")
"""

from __future__ import annotations

import builtins
import logging
import warnings
from typing import Any

import gast

from ..ir import Const, Op, Var
from .basics import as_value, static, value
from .context import Context
from .values import MaybeUnbound

_LEVELS = frozenset({"debug", "info", "warning", "error", "critical", "exception", "log"})
_PRINT_KEYWORDS = frozenset({"sep", "end", "flush"})


def resolve(cx: Context, node: gast.AST) -> tuple[bool, Any]:
    """(found, object) for a name or attribute chain of a global, without lowering it."""
    if isinstance(node, gast.Name):
        if node.id in cx.env:
            return False, None
        return cx.p.lookup(node.id)
    if isinstance(node, gast.Attribute):
        found, obj = resolve(cx, node.value)
        if found and hasattr(obj, node.attr):
            return True, getattr(obj, node.attr)
    return False, None


def _effect(cx: Context, prim: str, args: list[Any], attrs: dict[str, Any]) -> None:
    cx.block.ops.append(Op([], prim, list(args), attrs, cx.loc))


def _values_and_keywords(
    cx: Context, node: gast.Call, allowed: frozenset[str], what: str
) -> tuple[list[Any], dict[str, Any]]:
    if any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, f"*arguments in a call of {what} are not supported")
    args = [value(cx, a) for a in node.args]
    names = []
    for kw in node.keywords:
        if kw.arg not in allowed:
            raise cx.error(node, f"{what} does not support the keyword argument {kw.arg!r} here")
        names.append(kw.arg)
        args.append(value(cx, kw.value))
    return args, {"names": tuple(names)} if names else {}


def statement(cx: Context, node: gast.Call) -> bool:
    """Lower the call statement ``node`` if it is an effect; whether it was."""
    found, obj = resolve(cx, node.func)
    if not found:
        return False
    if obj is builtins.print:
        args, attrs = _values_and_keywords(cx, node, _PRINT_KEYWORDS, "print")
        _effect(cx, "print", args, attrs)
        return True
    if obj is warnings.warn:
        if len(node.args) not in (1, 2) or node.keywords:
            raise cx.error(node, "write warnings.warn(message) or warnings.warn(message, Category)")
        attrs = {}
        if len(node.args) == 2:
            found, category = resolve(cx, node.args[1])
            if not (
                found
                and isinstance(category, type)
                and issubclass(category, Warning)
                and getattr(builtins, category.__name__, None) is category
            ):
                raise cx.error(
                    node.args[1],
                    "the category of warnings.warn must be a "
                    "builtin warning class (UserWarning, RuntimeWarning...)",
                )
            attrs["category"] = category.__name__
        _effect(cx, "warn", [value(cx, node.args[0])], attrs)
        return True
    name = getattr(obj, "__name__", "")
    owner = getattr(obj, "__self__", None)
    if name in _LEVELS and (
        getattr(logging, name, None) is obj or isinstance(owner, logging.Logger)
    ):
        args, attrs = _values_and_keywords(
            cx, node, frozenset({"exc_info", "stacklevel"}), f"logging.{name}"
        )
        if isinstance(owner, logging.Logger) and owner is not logging.getLogger():
            attrs["logger"] = owner.name
        _effect(cx, "log_message", args, {**attrs, "level": name})
        return True
    return False


def check_bound(cx: Context, name: str) -> Var:
    """Read ``name``, bound by a loop that may not have run: raise UnboundLocalError at run
    time if it did not, as Python does. Later reads on this path need no check."""
    maybe = cx.env[name]
    assert isinstance(maybe, MaybeUnbound)
    _effect(cx, "check_bound", [maybe.value], {"name": name})
    cx.env[name] = maybe.value
    return maybe.value


def stmt_Assert(cx: Context, s: gast.Assert) -> None:
    cx.set_loc(s)
    args = [value(cx, s.test)]
    if s.msg is not None:
        # Python evaluates the message only when the test fails; it is a value here,
        # so it must be one that cannot fail (a string, a number, a formatted value).
        args.append(value(cx, s.msg))
    _effect(cx, "assert", args, {})


def stmt_Raise(cx: Context, s: gast.Raise) -> None:
    cx.set_loc(s)
    exc = s.exc
    call_args: list[gast.AST] = []
    if isinstance(exc, gast.Call) and not exc.keywords:
        call_args, exc = list(exc.args), exc.func
    found, kind = resolve(cx, exc) if exc is not None else (False, None)
    if s.cause is not None or not (
        found
        and isinstance(kind, type)
        and issubclass(kind, Exception)
        and getattr(builtins, kind.__name__, None) is kind
    ):
        raise cx.error(
            s,
            "only raise of a builtin exception, as in raise "
            "ValueError(message), is supported inside a differentiated function",
        )
    _effect(cx, "raise", [value(cx, a) for a in call_args], {"kind": kind.__name__})


def expr_JoinedStr(cx: Context, node: gast.JoinedStr) -> Any:
    parts: list[Any] = []
    operands = []
    for part in node.values:
        if isinstance(part, gast.Constant):
            parts.append(str(part.value))
            continue
        assert isinstance(part, gast.FormattedValue), part
        spec = ""
        if part.format_spec is not None:
            spec = "".join(
                str(static(cx, p, "a format specification")) for p in part.format_spec.values
            )
        operands.append(value(cx, part.value))
        parts.append((part.conversion if part.conversion is not None else -1, spec))
    if not operands:
        return Const("".join(parts))
    return cx.emit("fstring", operands, {"parts": tuple(parts)}, base="text")


def format_call(cx: Context, node: gast.Call, text: str) -> Any:
    """``'text'.format(*args, **kwargs)``."""
    args = [as_value(cx, cx.expr(a), a) for a in node.args if not isinstance(a, gast.Starred)]
    if len(args) != len(node.args):
        raise cx.error(node, "*arguments in str.format are not supported")
    names = tuple(kw.arg for kw in node.keywords)
    if None in names:
        raise cx.error(node, "**arguments in str.format are not supported")
    args += [value(cx, kw.value) for kw in node.keywords]
    attrs: dict[str, Any] = {"text": text}
    if names:
        attrs["names"] = names
    return cx.emit("str_format", args, attrs, base="text")
