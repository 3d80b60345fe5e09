"""Tuples, lists and dicts of arrays as arguments and results.

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
* Results. A function may return nested tuples, lists and dicts. The IR
  keeps nested tuples (``Function.structure``) and the tree of the result
  (``Function.result_tree``); the API turns the generated function's tuples
  back into lists and dicts, and a cotangent given as a dict or list into the
  nested tuples the generated code expects.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Tree = Any


def tree_of(x: Any) -> Tree:
    """The container structure of ``x`` (None for a leaf)."""
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
    return tree[2] if tree[0] == "dict" else tree[1]


def leaves(x: Any, tree: Tree) -> list[Any]:
    """The leaves of ``x`` (whose tree is ``tree``), depth first."""
    if tree is None:
        return [x]
    items = [x[k] for k in tree[1]] if tree[0] == "dict" else list(x)
    out: list[Any] = []
    for item, sub in zip(items, children(tree), strict=True):
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
    parts = [build(c, items) for c in children(tree)]
    if tree[0] == "dict":
        return dict(zip(tree[1], parts, strict=True))
    return parts if tree[0] == "list" else tuple(parts)


def leaf_suffixes(tree: Tree) -> list[str]:
    """Name suffixes of the leaves: ``_w`` for key "w", ``_0_1`` for ``[0][1]``."""
    if tree is None:
        return [""]
    keys = tree[1] if tree[0] == "dict" else range(len(tree[1]))
    out = []
    for key, sub in zip(keys, children(tree), strict=True):
        part = "".join(c if c.isalnum() or c == "_" else "_" for c in str(key))
        out.extend(f"_{part}{s}" for s in leaf_suffixes(sub))
    return out


def leaf_paths(tree: Tree) -> list[str]:
    """How each leaf is reached, as Python would write it: ``['w']``, ``[0][1]``."""
    if tree is None:
        return [""]
    keys = tree[1] if tree[0] == "dict" else range(len(tree[1]))
    return [f"[{key!r}]{s}" for key, sub in zip(keys, children(tree), strict=True)
            for s in leaf_paths(sub)]


def to_nested_tuples(x: Any, tree: Tree) -> Any:
    """``x`` with every list and dict of ``tree`` turned into a tuple (result order)."""
    if tree is None:
        return x
    items = [x[k] for k in tree[1]] if tree[0] == "dict" else list(x)
    return tuple(to_nested_tuples(i, c) for i, c in zip(items, children(tree), strict=True))


def from_nested_tuples(x: Any, tree: Tree) -> Any:
    """The inverse of :func:`to_nested_tuples`."""
    if tree is None:
        return x
    parts = [from_nested_tuples(i, c) for i, c in zip(x, children(tree), strict=True)]
    if tree[0] == "dict":
        return dict(zip(tree[1], parts, strict=True))
    return parts if tree[0] == "list" else tuple(parts)
