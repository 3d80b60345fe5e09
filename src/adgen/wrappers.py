"""Functions that stand for others: ``functools.partial`` and pass-through decorators.

:func:`unwrap` tells :class:`adgen.calling.Derivative` what to compile and
what to add to every call: a ``functools.partial`` is its function with the
bound arguments put in front (and its keywords merged in); a method is its
function with the instance in front; a decorator made with
``functools.wraps`` whose wrapper only passes its arguments through
(``def wrapper(*args, **kwargs): return f(*args, **kwargs)``, a docstring
allowed) is the function it wraps. A wrapper that does anything else is
compiled as it is written, so what it does is never skipped.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from typing import Any


def _passes_through(wrapper: Any) -> bool:
    """Whether ``wrapper`` is ``return wrapped(*args, **kwargs)`` and nothing else."""
    code = getattr(wrapper, "__code__", None)
    if code is None or not (code.co_flags & inspect.CO_VARARGS):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(code)))  # not unwrapped
    except (OSError, TypeError, SyntaxError):
        return False
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.FunctionDef):
        return False
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    a = node.args
    if (
        len(body) != 1
        or not isinstance(body[0], ast.Return)
        or a.args
        or a.kwonlyargs
        or a.vararg is None
        or a.posonlyargs
    ):
        return False
    call = body[0].value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return False
    star = [x for x in call.args if isinstance(x, ast.Starred)]
    if (
        len(call.args) != 1
        or len(star) != 1
        or not isinstance(star[0].value, ast.Name)
        or star[0].value.id != a.vararg.arg
    ):
        return False
    kwargs = [k for k in call.keywords if k.arg is None]
    if len(call.keywords) != (a.kwarg is not None) or (
        a.kwarg is not None
        and (
            len(kwargs) != 1
            or not isinstance(kwargs[0].value, ast.Name)
            or kwargs[0].value.id != a.kwarg.arg
        )
    ):
        return False
    name = call.func.id
    cells = dict(zip(code.co_freevars, wrapper.__closure__ or ()))
    target = cells[name].cell_contents if name in cells else wrapper.__globals__.get(name)
    return target is wrapper.__wrapped__


def unwrap(f: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    """(function to compile, arguments to put first, keywords to add) for ``f``."""
    lead: tuple[Any, ...] = ()
    keywords: dict[str, Any] = {}
    while True:
        if isinstance(f, functools.partial):
            lead, keywords = (*f.args, *lead), {**f.keywords, **keywords}
            f = f.func
        elif inspect.ismethod(f):
            lead = (f.__self__, *lead)
            f = f.__func__
        elif getattr(f, "__wrapped__", None) is not None and _passes_through(f):
            f = f.__wrapped__
        else:
            return f, lead, keywords
