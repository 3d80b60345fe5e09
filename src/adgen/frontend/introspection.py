"""Questions about types answered while lowering: ``isinstance``, ``type(x) is``,
``hasattr``, ``callable``, and the methods of parameter objects.

A derivative is compiled for the types of a call's arguments: the API passes
each argument's :func:`type_key` (its class, and for a plain instance the
names of its attributes), and the cache keys the code by the types it folded
on (``Function.type_deps``), so a call with arguments of other types compiles
anew instead of reusing an answer folded for the first ones. Constants,
containers known while lowering (their class is in the cache key already)
and module-level objects are answered from what they are. A value computed
inside the function has no type known here, and asking is refused.

A method of a parameter object (``p.energy(x)``), when the class defines it
as a plain Python function, is called as that function with the object first.
"""

from __future__ import annotations

import builtins
import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gast
import numpy as np

from ..ir import Const, Var
from .context import Context
from .values import Pack, Static

_SIMPLE = (np.ndarray, float, int, bool, complex, str, type(None), tuple, list, dict)


def type_key(x: Any) -> Any:
    """What adgen may fold about ``x``'s type: its class, and for an instance with a
    ``__dict__`` the names of its attributes too (``hasattr``)."""
    t = type(x)
    if t in _SIMPLE:
        return t
    attrs = getattr(x, "__dict__", None)
    if type(attrs) is dict and not isinstance(x, (type, types.FunctionType, types.ModuleType)):
        return (t, tuple(attrs))
    return t


def type_keys(args: Sequence[Any]) -> tuple[Any, ...]:
    """The :func:`type_key` of each argument."""
    return tuple(type_key(a) for a in args)


@dataclass(frozen=True)
class KnownType:
    """The class of a value while lowering, and its instance attributes if known."""

    cls: type
    attrs: tuple[str, ...] | None = None  # None: not known (only the class is)
    obj: Any = None  # the object itself, for a module-level object or a constant
    has_obj: bool = False

    def has(self, name: str) -> bool:
        if self.has_obj:
            return hasattr(self.obj, name)
        return (self.attrs is not None and name in self.attrs) or hasattr(self.cls, name)


def note_param_types(cx: Context, names: list[str]) -> None:
    """Bind each plain parameter's SSA name to its position, for :func:`known_type`."""
    if cx.types is None:
        return
    for k, user in enumerate(names):
        v = cx.env.get(user)
        if isinstance(v, Var) and k < len(cx.types):
            cx.param_types[v.name] = k


def known_type(cx: Context, value: Any, record: bool = True) -> KnownType | None:
    """The type of a lowered value, if known while lowering (recording, if ``record``,
    that the code depends on an argument's type); None if it is not."""
    if isinstance(value, Pack):
        return KnownType(value.cls, tuple(a for a in value.keys if isinstance(a, str)))
    if isinstance(value, Const):
        return KnownType(type(value.value), obj=value.value, has_obj=True)
    if isinstance(value, Static):
        return KnownType(type(value.obj), obj=value.obj, has_obj=True)
    if isinstance(value, Var):
        if value.name in cx.aliases.lists:
            return KnownType(list, ())
        obj = cx.freevars.get(value.name, _NONE)
        if obj is not _NONE:
            return KnownType(type(obj), obj=obj, has_obj=True)
        k = cx.param_types.get(value.name)
        if k is not None and cx.types is not None:
            if record:
                cx.type_deps.add(k)
            key = cx.types[k]
            if key is None:  # not known (an argument computed by the caller)
                return None
            if isinstance(key, tuple):
                return KnownType(key[0], key[1])
            return KnownType(key)
    return None


_NONE = object()


def _unknown(cx: Context, node: gast.AST, what: str) -> Exception:
    return cx.error(
        node,
        f"{what}: adgen cannot know the type of a value computed inside the function "
        "(nor of a helper's parameter, nor of arguments under adgen.source); it answers "
        "from the types of the call's arguments, of constants and of module-level "
        "objects: test one of those, or what adgen can see, such as np.ndim(x) == 0",
    )


def _classes(cx: Context, node: gast.AST) -> Any:
    """The class or tuple of classes given to isinstance."""
    if isinstance(node, gast.Tuple):
        return tuple(_classes(cx, e) for e in node.elts)
    out = cx.expr(node)
    if isinstance(out, Static) and isinstance(out.obj, (type, tuple)):
        return out.obj
    raise cx.error(node, "isinstance needs a class (or a tuple of classes) here")


def _one(cx: Context, node: gast.Call, n: int, what: str) -> list[gast.AST]:
    if len(node.args) != n or node.keywords:
        raise cx.error(node, f"{what} takes {n} argument(s) here")
    return list(node.args)


def call_isinstance(cx: Context, node: gast.Call, obj: Any) -> Any:
    x_node, cls_node = _one(cx, node, 2, "isinstance")
    t = known_type(cx, cx.expr(x_node))
    if t is None:
        raise _unknown(cx, node, "isinstance() of this value")
    return Const(issubclass(t.cls, _classes(cx, cls_node)))


def call_type(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x_node,) = _one(cx, node, 1, "type")
    t = known_type(cx, cx.expr(x_node))
    if t is None:
        raise _unknown(cx, node, "type() of this value")
    return Static(t.cls)


def call_hasattr(cx: Context, node: gast.Call, obj: Any) -> Any:
    x_node, name_node = _one(cx, node, 2, "hasattr")
    name = cx.expr(name_node)
    if not (isinstance(name, Const) and isinstance(name.value, str)):
        raise cx.error(node, "hasattr needs an attribute name written as a string")
    t = known_type(cx, cx.expr(x_node))
    if t is None:
        raise _unknown(cx, node, "hasattr() of this value")
    return Const(t.has(name.value))


def call_callable(cx: Context, node: gast.Call, obj: Any) -> Any:
    (x_node,) = _one(cx, node, 1, "callable")
    x = cx.expr(x_node)
    if isinstance(x, Method) or type(x).__name__ == "LocalFunction":
        return Const(True)
    t = known_type(cx, x)
    if t is None:
        raise _unknown(cx, node, "callable() of this value")
    if t.has_obj:
        return Const(callable(t.obj))
    return Const(any("__call__" in vars(k) for k in t.cls.__mro__))  # as callable(instance)


HANDLERS = {
    builtins.isinstance: call_isinstance,
    builtins.type: call_type,
    builtins.hasattr: call_hasattr,
    builtins.callable: call_callable,
}


@dataclass(frozen=True, eq=False)
class Method:
    """``obj.name`` where the class defines ``name`` as a plain Python function."""

    func: types.FunctionType
    self_value: Any


def method_of(cx: Context, base: Any, name: str) -> Method | None:
    """``base.name`` as a method, if ``base``'s class is known and defines it as a plain
    function (not shadowed by an instance attribute); else None."""
    if isinstance(base, (Const, Static)):
        return None
    t = known_type(cx, base, record=False)
    if t is None or t.cls in _SIMPLE:
        return None  # an array's methods are NumPy's, as without types
    known_type(cx, base)  # the code depends on this class
    if t.attrs is not None and name in t.attrs:
        return None
    if t.has_obj and name in getattr(t.obj, "__dict__", {}):
        return None
    found = _class_attribute(t.cls, name)
    if isinstance(found, types.FunctionType):
        return Method(found, base)
    return None


def _class_attribute(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None


def compare_static(left: Any, op: gast.cmpop, right: Any) -> Const | None:
    """``a is b``, ``a == b`` (and negations) of classes or constants, folded; else None."""
    if not all(isinstance(v, (Static, Const)) for v in (left, right)):
        return None
    a = left.obj if isinstance(left, Static) else left.value
    b = right.obj if isinstance(right, Static) else right.value
    if isinstance(op, gast.Is):
        return Const(a is b)
    if isinstance(op, gast.IsNot):
        return Const(a is not b)
    if not (isinstance(left, Static) or isinstance(right, Static)):
        return None  # constants compare as the primitives do
    if isinstance(op, gast.Eq):
        return Const(bool(a == b))
    if isinstance(op, gast.NotEq):
        return Const(bool(a != b))
    return None
