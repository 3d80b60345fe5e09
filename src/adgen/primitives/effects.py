"""Effects that do not change values: printing, assertions, raising, logging, warnings,
and the strings they are given.

Each effect is an op with ``effect=True`` and no result: passes never remove,
merge or move it, the transforms copy it into the forward sweep as it is
(it is not differentiable), so a derivative prints, logs and checks exactly
what the function does, once per call and in order, and never in the reverse
sweep. An effect's operands are the values it shows; the rest (the exception
class, the logger, the warning's category) are attributes, written into the
generated code by name.

Strings are values too (f-strings, ``str.format``, ``str(x)``), never
differentiable, so formatting a differentiated value does not make the
string depend on it.
"""

from __future__ import annotations

import ast
from typing import Any

from ..runtime import helper
from .core import Primitive, call_template, const_expr, define, template


def _name(dotted: str) -> ast.expr:
    parts = dotted.split(".")
    node: ast.expr = ast.Name(id=parts[0], ctx=ast.Load())
    for p in parts[1:]:
        node = ast.Attribute(value=node, attr=p, ctx=ast.Load())
    return node


def _keywords(names: tuple[str, ...], values: list[ast.expr]) -> list[ast.keyword]:
    return [ast.keyword(arg=n, value=v) for n, v in zip(names, values, strict=True)]


def _split(
    args: list[ast.expr], names: tuple[str, ...]
) -> tuple[list[ast.expr], list[ast.keyword]]:
    """Positional operands, then the last ``len(names)`` as keyword arguments."""
    k = len(args) - len(names)
    return list(args[:k]), _keywords(names, list(args[k:]))


def _emit_print(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    positional, kw = _split(args, attrs.get("names", ()))
    return ast.Call(func=ast.Name(id="print", ctx=ast.Load()), args=positional, keywords=kw)


define(
    Primitive(
        "print",
        _emit_print,
        ("values",),
        attrs={"names": ()},
        variadic=True,
        effect=True,
        differentiable=False,
        doc="print(*values, sep=..., end=...): runs in the forward sweep, in order",
    )
)


def _emit_assert(args: list[ast.expr], attrs: dict[str, Any]) -> ast.stmt:  # type: ignore[misc]
    return ast.Assert(test=args[0], msg=args[1] if len(args) > 1 else None)


define(
    Primitive(
        "assert",
        _emit_assert,
        ("test",),
        variadic=True,
        effect=True,
        differentiable=False,
        doc="assert test, message: checked in the forward sweep where the function checks it",
    )
)


def _emit_raise(args: list[ast.expr], attrs: dict[str, Any]) -> ast.stmt:  # type: ignore[misc]
    exc = ast.Call(func=_name(attrs["kind"]), args=list(args), keywords=[])
    return ast.Raise(exc=exc, cause=None)


define(
    Primitive(
        "raise",
        _emit_raise,
        ("args",),
        attrs={"kind": "ValueError"},
        variadic=True,
        effect=True,
        differentiable=False,
        doc="raise kind(*args) (a builtin exception), where the function raises it",
    )
)


@helper
def check_bound(value, name):
    """Raise what Python raises on reading ``name``, bound by a loop that did not run."""
    if value is None:
        raise UnboundLocalError(
            f"cannot access local variable '{name}': the loop that binds it did not run"
        )


define(
    Primitive(
        "check_bound",
        call_template("check_bound"),
        ("value",),
        attrs={"name": ""},
        effect=True,
        differentiable=False,
        helpers=("check_bound",),
        doc="raise UnboundLocalError if a loop's variable was never bound (the loop did not run)",
    )
)


def _emit_log(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    logger = attrs.get("logger")
    target = (
        _name("logging")
        if logger is None
        else ast.Call(func=_name("logging.getLogger"), args=[const_expr(logger)], keywords=[])
    )
    positional, kw = _split(args, attrs.get("names", ()))
    return ast.Call(
        func=ast.Attribute(value=target, attr=attrs["level"], ctx=ast.Load()),
        args=positional,
        keywords=kw,
    )


define(
    Primitive(
        "log_message",
        _emit_log,
        ("message",),
        attrs={"level": "info", "logger": None, "names": ()},
        variadic=True,
        effect=True,
        differentiable=False,
        modules=("logging",),
        doc="logging.<level>(message, *args) or a named logger's: runs in the forward sweep",
    )
)


def _emit_warn(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    extra = [_name(attrs["category"])] if attrs.get("category") else []
    return ast.Call(func=_name("warnings.warn"), args=[args[0], *extra], keywords=[])


define(
    Primitive(
        "warn",
        _emit_warn,
        ("message",),
        attrs={"category": None},
        effect=True,
        differentiable=False,
        modules=("warnings",),
        doc="warnings.warn(message, category) (a builtin category): runs in the forward sweep",
    )
)

# ------------------------------------------------------------------ strings


def _emit_fstring(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    values: list[ast.expr] = []
    operands = iter(args)
    for part in attrs["parts"]:
        if isinstance(part, str):
            values.append(ast.Constant(part))
        else:
            conversion, spec = part
            fmt = ast.JoinedStr(values=[ast.Constant(spec)]) if spec else None
            values.append(
                ast.FormattedValue(value=next(operands), conversion=conversion, format_spec=fmt)
            )
    return ast.JoinedStr(values=values)


define(
    Primitive(
        "fstring",
        _emit_fstring,
        ("values",),
        attrs={"parts": ()},
        variadic=True,
        differentiable=False,
        doc="an f-string; parts are its literal text and, per value, (conversion, format spec)",
    )
)


def _emit_format(args: list[ast.expr], attrs: dict[str, Any]) -> ast.expr:
    positional, kw = _split(args, attrs.get("names", ()))
    func = ast.Attribute(value=ast.Constant(attrs["text"]), attr="format", ctx=ast.Load())
    return ast.Call(func=func, args=positional, keywords=kw)


define(
    Primitive(
        "str_format",
        _emit_format,
        ("values",),
        attrs={"text": "", "names": ()},
        variadic=True,
        differentiable=False,
        doc="'text'.format(*values)",
    )
)

for _fn in (str, repr):
    define(
        Primitive(
            _fn.__name__,
            template(f"{_fn.__name__}(_0)"),
            ("x",),
            differentiable=False,
            callables=(_fn,),
            doc=f"{_fn.__name__}(x) (not differentiable)",
        )
    )
