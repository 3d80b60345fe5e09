"""Jacobians and Hessians with containers as arguments or results, structured as JAX's.

A :class:`~adgen.composed.Jacobian` whose arguments at its levels, or whose
result, hold tuples, lists, dicts, NamedTuples, dataclasses or registered classes
(see :mod:`adgen.trees`) is evaluated here. The result nests the structures from
the outside in, as ``jax.jacobian`` does: the result's structure, then the first
level's argument, then the next level's; each leaf is the block of derivatives
of one result leaf with respect to one leaf per level, of shape
``out_leaf.shape + x1_leaf.shape + x2_leaf.shape ...``. So the Hessian of
``f(params)`` with ``params = {"w": w, "b": b}`` is ``{"w": {"w": H_ww, "b": H_wb},
"b": {"w": H_bw, "b": H_bb}}`` with ``H_wb[i] = d^2 f / dw_i db``, and a
Jacobian of a function returning a NamedTuple ``P(a, b)`` is a ``P`` of
Jacobians.

Each block is exact: the nested JVPs the Jacobian is made of are called with
every combination of unit tangents, one leaf element at a time, or (a
one-level Jacobian in reverse mode) its VJP with every unit cotangent of the
result's structure: loops over calls of generated code (the batched single
call of array arguments is not used for containers). A level with a tuple
``wrt`` is the tuple of its arguments (JAX's ``argnums``), so a dict argument
beside an array gives a tuple of a dict of blocks and a block. A flat tuple of
arrays as the result, with array arguments, is adgen.composed's (batched).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from . import trees
from .arguments import check_differentiable
from .errors import DifferentiationError


def _zero(leaf: Any) -> Any:
    """A zero tangent for ``leaf``, of its floating dtype (float64 for integers)."""
    a = np.asarray(leaf)
    dtype = a.dtype if a.dtype.kind in "fc" else np.dtype(float)
    return np.zeros(a.shape, dtype) if a.shape else dtype.type(0)


def _directions(
    tree: Any, leaves: list[Any], basis: Callable[[Any], Iterator[Any]]
) -> list[tuple[int, Any]]:
    """(leaf index, tangent) for every unit tangent of a container (or an array) of
    ``tree`` with ``leaves``, from the unit tangents ``basis`` gives for a leaf."""
    zeros = [_zero(leaf) for leaf in leaves]
    out = []
    for k, leaf in enumerate(leaves):
        for e in basis(leaf):
            parts = [*zeros[:k], e, *zeros[k + 1 :]]
            out.append((k, trees.build(tree, iter(parts))))
    return out


def _level_values(jac: Any, args: tuple[Any, ...]) -> list[Any]:
    """What each level differentiates with respect to: its argument, or (a tuple
    ``wrt``) the tuple of its arguments, which JAX's structure treats as one container;
    each leaf checked to be differentiable."""
    xs = []
    for level, tupled in zip(jac.levels, jac.tupled, strict=True):
        for p in level:
            try:
                tree = trees.tree_of(args[p])
            except TypeError as exc:
                raise DifferentiationError(str(exc)) from None
            for path, leaf in zip(trees.leaf_paths(tree), trees.leaves(args[p], tree)):
                check_differentiable(jac._params[p] + path, leaf)
        xs.append(tuple(args[p] for p in level) if tupled else args[level[0]])
    return xs


def evaluate_tree(
    jac: Any,  # an adgen.composed.Jacobian (which imports this module)
    args: tuple[Any, ...],
    last: Sequence[Any] | None,
    basis: Callable[[Any], Iterator[Any]],
) -> Any:
    """``jac`` at ``args`` (see the module doc); with ``last`` (one tangent per argument
    of the last level), that level contracted with it instead of stacked; ``basis``: the
    unit tangents of an array (adgen.composed.basis)."""
    depth = len(jac.levels)
    xs = _level_values(jac, args)
    x_trees = [trees.tree_of(x) for x in xs]
    x_leaves = [trees.leaves(x, t) for x, t in zip(xs, x_trees, strict=True)]
    if depth == 1 and last is None and jac.mode != "forward":
        out = jac.base(*args)
        sizes = [np.size(leaf) for leaf in trees.leaves(out, trees.tree_of(out))]
        if jac.mode == "reverse" or sum(np.size(leaf) for leaf in x_leaves[0]) > sum(sizes):
            return _rows(jac, args, out, x_trees[0], x_leaves[0], basis)
    stacked = depth - (last is not None)
    levels = [
        [
            (k, tuple(t) if jac.tupled[j] else (t,))
            for k, t in _directions(x_trees[j], x_leaves[j], basis)
        ]
        for j in range(stacked)
    ]
    if last is not None:
        levels.append([(0, tuple(last))])
    h = jac._jvp(depth)
    rows: dict[tuple[int, ...], list[list[Any]]] = {}
    out: Any = None
    for combo in itertools.product(*levels):
        top = h(*args, *(t for _, ts in combo for t in ts))
        for _ in range(depth):
            top = top[1]
        out = top
        out_tree = trees.tree_of(top)
        rows.setdefault(tuple(k for k, _ in combo[:stacked]), []).append(
            [np.asarray(leaf) for leaf in trees.leaves(top, out_tree)]
        )
    if out is None:  # no element in some level: the result's structure from a call
        out = jac.base(*args)
    out_tree = trees.tree_of(out)
    out_leaves = [np.asarray(leaf) for leaf in trees.leaves(out, out_tree)]
    if jac.scalar:
        if (
            out_tree is not None
            or out_leaves[0].shape
            or any(x_trees[j] is not None or np.shape(xs[j]) for j in range(depth - jac.scalar))
        ):
            raise DifferentiationError(
                f"{jac.__name__}: grad and hessian need a function with a scalar output; "
                "use jacobian"
            )

    def block(k: int, key: tuple[int, ...]) -> Any:
        shape = out_leaves[k].shape + sum(
            (np.shape(x_leaves[j][key[j]]) for j in range(stacked)), ()
        )
        got = rows.get(key)
        if not got:
            return np.zeros(shape)
        return np.stack([r[k] for r in got], axis=-1).reshape(shape)

    def nested(k: int, key: tuple[int, ...]) -> Any:
        j = len(key)
        if j == stacked:
            return block(k, key)
        parts = (nested(k, (*key, m)) for m in range(len(x_leaves[j])))
        return trees.build(x_trees[j], parts)

    return trees.build(out_tree, (nested(k, ()) for k in range(len(out_leaves))))


def refuse_unlike(
    kind: str, given: Sequence[Any], xs: Sequence[tuple[str, Any]], containers: bool
) -> None:
    """For jvp or vjp of a Jacobian: refuse a vjp where ``containers`` (the Jacobian's
    arguments or result hold containers), and a tangent in ``given`` not structured
    like its argument in ``xs`` (name, value) where either is a container (leaf shapes
    included)."""
    if kind == "vjp":
        if containers:
            raise DifferentiationError(
                "vjp of a jacobian or hessian with containers as arguments or results is "
                "not supported; take jvp of it, or its jacobian"
            )
        return
    for extra, (name, x) in zip(given, xs, strict=True):
        if not (trees.is_container(extra) or trees.is_container(x)):
            continue
        want, got = trees.tree_of(x), trees.mismatch(extra, trees.tree_of(x))
        if got is None:
            pairs = zip(trees.leaves(extra, want), trees.leaves(x, want), strict=True)
            paths = trees.leaf_paths(want)
            bad = [(p, np.shape(t), np.shape(a)) for p, (t, a) in zip(paths, pairs)]
            got = next(((p, f"of shape {s}", t) for p, t, s in bad if t != s), None)
        if got is not None:
            raise DifferentiationError(
                f"jvp: the tangent{got[0]} must be {got[1]}, as the argument {name}{got[0]} is"
            )


def _rows(
    jac: Any,
    args: tuple[Any, ...],
    out: Any,
    x_tree: Any,
    x_leaves: list[Any],
    basis: Callable[[Any], Iterator[Any]],
) -> Any:
    """A one-level Jacobian by reverse mode: one VJP per element of the result's leaves,
    with a cotangent of the result's structure; nested as :func:`evaluate_tree`'s."""
    out_tree = trees.tree_of(out)
    out_leaves = trees.leaves(out, out_tree)
    rev = jac._reverse()
    blocks = []
    for k, row in _directions(out_tree, out_leaves, basis):
        grads = trees.leaves(rev(*args, row), x_tree)
        while len(blocks) <= k:
            blocks.append([[] for _ in x_leaves])
        for m, g in enumerate(grads):
            blocks[k][m].append(np.asarray(g))
    per_out = []
    for k, o in enumerate(out_leaves):
        parts = []
        for m, x in enumerate(x_leaves):
            shape = np.shape(o) + np.shape(x)
            got = blocks[k][m] if k < len(blocks) else []
            parts.append(np.stack(got).reshape(shape) if got else np.zeros(shape))
        per_out.append(trees.build(x_tree, iter(parts)))
    return trees.build(out_tree, iter(per_out))
