"""Tuples, lists, dicts and class instances of arrays as arguments and results.

A *tree* describes the container structure of a value: ``None`` for a leaf
(an array, a number, anything else), ``("tuple", children)``,
``("list", children)`` or ``("dict", keys, children)``. Trees are hashable,
so they key the compiled-derivative cache.

How containers pass through adgen:

* Arguments. On each call the API computes the tree of every argument.
  A derivative is compiled once per combination of trees (and cached under
  it): the lowering gives each leaf of a container argument a parameter of
  its own (``params["w"]`` becomes ``params_w``, ``pair[1]`` becomes
  ``pair_1``) and binds the argument's name to a compile-time container of
  those parameters, so ``params["w"]`` and ``a, b = pair`` resolve while
  lowering. The generated function takes the leaves; the API flattens the
  arguments (and tangents) into them.
* Gradients. Differentiating with respect to a container argument means
  with respect to each of its leaves; the API puts the leaf gradients back
  into the argument's structure, so a gradient has the structure of its input.
* Results. A function may return nested tuples, lists, dicts and instances
  (passed in, or built in the function: :mod:`adgen.frontend.constructors`).
  The IR keeps nested tuples (``Function.structure``) and the tree of the
  result (``Function.result_tree``); the API turns the generated function's
  tuples back into lists, dicts and instances, and a cotangent (checked by
  :func:`mismatch`) into the nested tuples the generated code expects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

Tree = Any

#: Classes registered with :func:`register_pytree`: class -> (flatten, unflatten).
REGISTRY: dict[type, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {}

#: Called when a class is registered again with other functions: code compiled
#: before took its instances apart the old way (adgen.cache forgets it).
ON_REREGISTER: list[Callable[[], None]] = []


def register_pytree(
    cls: type, flatten: Callable[[Any], tuple[Any, Any]], unflatten: Callable[[Any, Any], Any]
) -> None:
    """Make instances of ``cls`` containers: ``flatten(obj) -> (children, aux)`` gives
    the values inside (each a leaf or a container) and hashable static data;
    ``unflatten(aux, children)`` rebuilds an instance (JAX's convention).
    Attributes of the instance that hold a child can be read by the function."""
    before = REGISTRY.get(cls)
    REGISTRY[cls] = (flatten, unflatten)
    if before is not None and before != (flatten, unflatten):
        for hook in ON_REREGISTER:
            hook()


class _Probe:
    """A placeholder child, to find which attribute of an instance holds which child."""

    def __init__(self, k: int) -> None:
        self.k = k


def _attribute_names(cls: type, aux: Any, n: int) -> tuple[Any, ...]:
    """For each child of a registered instance, the attribute that holds it (or None)."""
    try:
        probe = REGISTRY[cls][1](aux, [_Probe(k) for k in range(n)])
        found = {v.k: name for name, v in vars(probe).items() if isinstance(v, _Probe)}
    except Exception:  # an unflatten that checks its children: attributes unknown
        found = {}
    return tuple(found.get(k) for k in range(n))


def _unflatten_dataclass(cls: type, names: tuple[str, ...], children: list[Any]) -> Any:
    obj = object.__new__(cls)  # not __init__: no __post_init__ checks on gradients
    for name, child in zip(names, children, strict=True):
        object.__setattr__(obj, name, child)
    return obj


def _node(x: Any) -> Tree | None:
    """The tree of a NamedTuple, dataclass or registered instance; None for others.

    ``("node", cls, aux, attributes, children)``: ``aux`` the static data,
    ``attributes`` the attribute holding each child.
    """
    cls = type(x)
    if cls in REGISTRY:
        parts, aux = REGISTRY[cls][0](x)
        parts = list(parts)
        return (
            "node",
            cls,
            aux,
            _attribute_names(cls, aux, len(parts)),
            tuple(tree_of(p) for p in parts),
        )
    if isinstance(x, tuple) and hasattr(cls, "_fields"):
        return ("node", cls, None, tuple(cls._fields), tuple(tree_of(p) for p in x))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        names = tuple(f.name for f in dataclasses.fields(x))
        return ("node", cls, names, names, tuple(tree_of(getattr(x, n)) for n in names))
    return None


def node_children(x: Any, tree: Tree) -> list[Any]:
    cls = tree[1]
    if cls in REGISTRY:
        return list(REGISTRY[cls][0](x)[0])
    if isinstance(x, tuple):
        return list(x)
    return [getattr(x, n) for n in tree[3]]


def node_build(tree: Tree, parts: list[Any]) -> Any:
    cls = tree[1]
    if cls in REGISTRY:
        return REGISTRY[cls][1](tree[2], parts)
    if tree[2] is None:  # a NamedTuple
        return cls(*parts)
    return _unflatten_dataclass(cls, tree[3], parts)


def is_container(x: Any) -> bool:
    """Whether ``x`` is taken apart by adgen (a tuple, list, dict or a node)."""
    cls = type(x)
    return (
        isinstance(x, (tuple, list, dict))
        or cls in REGISTRY
        or (dataclasses.is_dataclass(x) and not isinstance(x, type))
    )


def tree_of(x: Any) -> Tree:
    """The container structure of ``x`` (None for a leaf)."""
    node = _node(x)
    if node is not None:
        return node
    if isinstance(x, dict):
        keys = tuple(x)
        for k in keys:
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"adgen supports dicts with string or integer keys, not {k!r}")
        return ("dict", keys, tuple(tree_of(x[k]) for k in keys))
    if isinstance(x, (tuple, list)):
        return ("list" if isinstance(x, list) else "tuple", tuple(tree_of(i) for i in x))
    return None


def children(tree: Tree) -> tuple[Tree, ...]:
    return tree[{"dict": 2, "node": 4}.get(tree[0], 1)]


def children_of(x: Any, tree: Tree) -> list[Any]:
    """The items of container ``x`` (whose tree is ``tree``), in the tree's order."""
    if tree[0] == "dict":
        return [x[k] for k in tree[1]]
    if tree[0] == "node":
        return node_children(x, tree)
    return list(x)


def _rebuilt(tree: Tree, parts: list[Any]) -> Any:
    if tree[0] == "dict":
        return dict(zip(tree[1], parts, strict=True))
    if tree[0] == "node":
        return node_build(tree, parts)
    return parts if tree[0] == "list" else tuple(parts)


def _keys(tree: Tree) -> list[str]:
    """How each child is reached: ``['w']``, ``[0]``, ``.w``."""
    if tree[0] == "dict":
        return [f"[{k!r}]" for k in tree[1]]
    if tree[0] == "node":
        return [f".{a}" if isinstance(a, str) else f"[{k}]" for k, a in enumerate(tree[3])]
    return [f"[{k}]" for k in range(len(tree[1]))]


def leaves(x: Any, tree: Tree) -> list[Any]:
    """The leaves of ``x`` (whose tree is ``tree``), depth first."""
    if tree is None:
        return [x]
    out: list[Any] = []
    for item, sub in zip(children_of(x, tree), children(tree), strict=True):
        out.extend(leaves(item, sub))
    return out


def count(tree: Tree) -> int:
    """How many leaves a value of this tree has."""
    if tree is None:
        return 1
    return sum(count(c) for c in children(tree))


def build(tree: Tree, items: Iterator[Any]) -> Any:
    """A value of structure ``tree`` whose leaves are taken from ``items`` in order."""
    if tree is None:
        return next(items)
    return _rebuilt(tree, [build(c, items) for c in children(tree)])


def leaf_suffixes(tree: Tree) -> list[str]:
    """Name suffixes of the leaves: ``_w`` for key "w", ``_0_1`` for ``[0][1]``."""
    if tree is None:
        return [""]
    out = []
    for key, sub in zip(_keys(tree), children(tree), strict=True):
        part = "".join(c if c.isalnum() or c == "_" else "_" for c in key.strip("[].'\""))
        out.extend(f"_{part}{s}" for s in leaf_suffixes(sub))
    return out


def leaf_paths(tree: Tree) -> list[str]:
    """How each leaf is reached, as Python would write it: ``['w']``, ``[0][1]``."""
    if tree is None:
        return [""]
    return [
        f"{key}{s}"
        for key, sub in zip(_keys(tree), children(tree), strict=True)
        for s in leaf_paths(sub)
    ]


def to_nested_tuples(x: Any, tree: Tree) -> Any:
    """``x`` with every list and dict of ``tree`` turned into a tuple (result order)."""
    if tree is None:
        return x
    return tuple(
        to_nested_tuples(i, c) for i, c in zip(children_of(x, tree), children(tree), strict=True)
    )


def from_nested_tuples(x: Any, tree: Tree) -> Any:
    """The inverse of :func:`to_nested_tuples`."""
    if tree is None:
        return x
    return _rebuilt(
        tree, [from_nested_tuples(i, c) for i, c in zip(x, children(tree), strict=True)]
    )


def describe_tree(tree: Tree) -> str:
    """What a value of this tree is, for messages: ``a P``, ``a dict with keys 'w', 'b'``."""
    if tree is None:
        return "an array or number"
    if tree[0] == "node":
        name = tree[1].__qualname__
        return f"{'an' if name[0] in 'AEIOUaeiou' else 'a'} {name}"
    if tree[0] == "dict":
        return f"a dict with keys {', '.join(map(repr, tree[1]))}"
    return f"a {tree[0]} of {len(tree[1])}"


def mismatch(x: Any, tree: Tree, path: str = "") -> tuple[str, str, Any] | None:
    """Where ``x`` does not have the structure ``tree`` (a tuple and a list stand for
    each other; dict keys may come in any order): ``(path, expected, found)``, or None."""
    if tree is None:
        return (path, describe_tree(None), x) if is_container(x) else None
    kind = tree[0]
    if kind == "node":
        ok = type(x) is tree[1]
    elif kind == "dict":
        ok = isinstance(x, dict) and set(x) == set(tree[1]) and len(x) == len(tree[1])
    else:
        ok = type(x) in (tuple, list) and len(x) == len(tree[1])
    if not ok:
        return path, describe_tree(tree), x
    if kind == "node" and tree[1] in REGISTRY:
        found = tree_of(x)
        if found[2] != tree[2] or len(found[4]) != len(tree[4]):
            return path, f"{describe_tree(tree)} like the result's (static data {tree[2]!r})", x
    items = children_of(x, tree)
    for key, item, sub in zip(_keys(tree), items, children(tree), strict=True):
        found = mismatch(item, sub, path + key)
        if found is not None:
            return found
    return None
