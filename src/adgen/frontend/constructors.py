"""Containers built in the function: NamedTuples, dataclasses and registered classes.

``P(a, b)``, ``C(w=w, b=b)``, ``p._replace(a=...)`` and
``dataclasses.replace(c, w=...)`` become compile-time containers
(:class:`~adgen.frontend.values.Pack` with the class in ``node``), like a tuple
or dict literal: read by attribute or index, passed to helpers, returned (the API
then gives the caller an instance of the class, see :mod:`adgen.trees`).

How an instance's parts are found: the class itself is called while compiling,
with a placeholder standing for each value computed in the function (constants
are passed as they are), and the instance it builds is taken apart as the API
takes arguments apart (:func:`adgen.trees.tree_of`). So defaults, keyword
arguments and a registered class's own ``__init__`` behave as in Python, with
no second model of the constructor; a constructor that computes with the
values it is given (``np.asarray(w)`` in ``__post_init__``) cannot be followed
and is refused, naming the class.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import gast

from .. import trees
from ..ir import Const, Var
from .basics import as_value, live
from .context import Context
from .values import Multi, Pack, Static, describe, is_const, py_const


def is_container_class(obj: Any) -> bool:
    """Whether ``obj`` is a class adgen takes apart: a NamedTuple, a dataclass or a
    class given to :func:`adgen.register_pytree`."""
    if not isinstance(obj, type):
        return False
    named = issubclass(obj, tuple) and hasattr(obj, "_fields")
    return named or obj in trees.REGISTRY or dataclasses.is_dataclass(obj)


class _Placeholder:
    """Stands for the k-th value computed in the function, while the class builds an
    instance at compile time."""

    __slots__ = ("k",)

    def __init__(self, k: int) -> None:
        self.k = k

    def __repr__(self) -> str:
        return f"<value {self.k}>"


def _operand(cx: Context, node: gast.AST) -> Any:
    """An argument of a constructor: a constant, a container, or a runtime value."""
    out = live(cx, cx.expr(node), node)
    if isinstance(out, Multi):
        raise cx.error(node, "this call returns several values: unpack them first")
    if isinstance(out, Static):
        if not is_const(out.obj):
            raise cx.error(node, f"a container field cannot hold {describe(out.obj)}")
        return Const(py_const(out.obj))
    return out if isinstance(out, (Pack, Const)) else as_value(cx, out, node)


def construct(cx: Context, node: gast.Call, cls: type) -> Pack:
    """``cls(...)`` for a container class: its instance as a compile-time container."""
    given: list[Any] = []

    def stand_in(lowered: Any) -> Any:
        if isinstance(lowered, Const):
            return lowered.value
        given.append(lowered)
        return _Placeholder(len(given) - 1)

    args = []
    for a in node.args:
        if isinstance(a, gast.Starred):
            spread = live(cx, cx.expr(a.value), a.value)
            if not (isinstance(spread, Pack) and spread.kind != "dict"):
                raise cx.error(a, "* in a call needs a tuple or list known while compiling")
            args.extend(stand_in(i) for i in spread.items)
        else:
            args.append(stand_in(_operand(cx, a)))
    kwargs: dict[str, Any] = {}
    for k in node.keywords:
        if k.arg is None:
            spread = live(cx, cx.expr(k.value), k.value)
            if not (isinstance(spread, Pack) and spread.kind == "dict"):
                raise cx.error(k.value, "** in a call needs a dict known while compiling")
            kwargs.update((key, stand_in(i)) for key, i in zip(spread.keys, spread.items))
        else:
            kwargs[k.arg] = stand_in(_operand(cx, k.value))
    return build(cx, node, cls, args, kwargs, given)


def build(
    cx: Context,
    node: gast.AST,
    cls: type,
    args: list[Any],
    kwargs: dict[str, Any],
    given: list[Any],
) -> Pack:
    """The container ``cls(*args, **kwargs)`` builds, where placeholder ``k`` stands
    for ``given[k]``."""
    name = describe(cls)
    try:
        inspect.signature(cls).bind(*args, **kwargs)
    except TypeError as exc:
        raise cx.error(node, f"this call of {name} does not match its fields: {exc}") from None
    except ValueError:  # no signature to check against: the call says
        pass
    try:
        obj = cls(*args, **kwargs)
    except Exception as exc:
        raise cx.error(node, _computes(name, exc)) from None
    return _lowered(cx, node, name, obj, given)


def _computes(name: str, exc: BaseException) -> str:
    return (
        f"{name}'s constructor computes with the values it is given ({type(exc).__name__}: "
        f"{exc}); adgen builds it while compiling and can only follow a constructor that "
        "stores its values: do the computation before the call, or give the class a "
        "plain constructor"
    )


def _lowered(cx: Context, node: gast.AST, name: str, obj: Any, given: list[Any]) -> Any:
    """What a part of the built instance stands for while lowering."""
    if isinstance(obj, _Placeholder):
        return given[obj.k]
    try:
        tree = trees.tree_of(obj)
    except Exception as exc:  # a field never set (init=False), a dict key of another type
        raise cx.error(
            node, f"{name} cannot be taken apart here ({type(exc).__name__}: {exc})"
        ) from None
    if tree is None:
        if is_const(obj):
            return Const(py_const(obj))
        raise cx.error(
            node,
            _computes(name, TypeError(f"a part of it is {describe(type(obj))}, made from them"))
            if _holds_placeholder(obj)
            else f"a part of {name} is {describe(type(obj))}, which adgen cannot carry "
            "through the function: build it from arrays and numbers",
        )
    if tree[0] == "node" and tree[1] in trees.REGISTRY and _holds_placeholder(tree[2]):
        raise cx.error(
            node,
            f"{name} keeps a value computed in the function in its static data (the aux "
            "its flatten returns); only constants may be there",
        )
    return make_pack(
        tree, tuple(_lowered(cx, node, name, p, given) for p in trees.children_of(obj, tree))
    )


def make_pack(tree: Any, parts: tuple[Any, ...]) -> Pack:
    """The compile-time container of tree ``tree`` (see adgen.trees) holding ``parts``."""
    if tree[0] == "dict":
        return Pack("dict", parts, tree[1])
    if tree[0] == "node":  # a NamedTuple, dataclass or registered class: read by attribute
        kind = "tuple" if issubclass(tree[1], tuple) else "object"
        return Pack(kind, parts, tree[3], (tree[1], tree[2]))
    return Pack(tree[0], parts)


def packed_results(tree: Any, structure: Any, results: list[str]) -> Any:
    """A call's results (SSA names) nested by ``structure`` as a value of ``tree``."""
    if not isinstance(structure, tuple):
        return Var(results[structure])
    parts = tuple(
        packed_results(None if tree is None else c, s, results)
        for c, s in zip(
            trees.children(tree) if tree is not None else structure, structure, strict=True
        )
    )
    return Pack("tuple", parts) if tree is None else make_pack(tree, parts)


def _holds_placeholder(x: Any) -> bool:
    if isinstance(x, _Placeholder):
        return True
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, (tuple, list, set, frozenset)):
        return any(_holds_placeholder(i) for i in x)
    return False


def replace(cx: Context, node: gast.Call, base: Pack, skip: int) -> Pack:
    """``p._replace(a=...)`` (``skip=0``) or ``dataclasses.replace(c, w=...)``
    (``skip=1``, the instance is the first argument): a new container of the class."""
    if base.node is None or len(node.args) != skip:
        raise cx.error(node, "pass the fields to replace as keywords")
    cls = base.node[0]
    if cls in trees.REGISTRY:
        raise cx.error(node, f"{describe(cls)} is a registered class: build a new one instead")
    if skip and not dataclasses.is_dataclass(cls):
        raise cx.error(node, f"dataclasses.replace needs a dataclass, not {describe(cls)}")
    given = list(base.items)
    current = {key: _Placeholder(k) for k, key in enumerate(base.keys)}
    for k in node.keywords:
        if k.arg is None or k.arg not in current:
            raise cx.error(node, f"{describe(cls)} has no field {k.arg!r} to replace")
        lowered = _operand(cx, k.value)
        given.append(lowered)
        current[k.arg] = _Placeholder(len(given) - 1)
    if dataclasses.is_dataclass(cls):
        hidden = [f.name for f in dataclasses.fields(cls) if not f.init]
        if hidden:
            raise cx.error(
                node,
                f"{describe(cls)} has fields set outside __init__ ({', '.join(hidden)}): "
                "build a new one instead of dataclasses.replace",
            )
    return build(cx, node, cls, [], current, given)


def call_dataclasses_replace(cx: Context, node: gast.Call, obj: Any) -> Any:
    """``dataclasses.replace(c, **changes)`` of a dataclass known while compiling."""
    if not node.args:
        raise cx.error(node, "dataclasses.replace needs the instance to change")
    base = live(cx, cx.expr(node.args[0]), node.args[0])
    if not isinstance(base, Pack) or base.kind != "object":
        raise cx.error(node, "dataclasses.replace needs a dataclass instance here")
    return replace(cx, node, base, 1)


HANDLERS = {dataclasses.replace: call_dataclasses_replace}
