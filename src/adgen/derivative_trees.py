"""The IR of a derivative called with containers, so it can be differentiated again.

``adgen.jvp(adgen.grad(g))(params, ...)`` with ``params`` a dict (a NamedTuple, a
dataclass...) lowers ``grad(g)`` as a function of containers: its IR is ``g``'s
derivative compiled for those containers (each leaf a parameter of its own, see
:mod:`adgen.trees`), described the way the API calls it, so the outer transform
treats it as it treats a user function with container arguments:

* ``param_leaves`` maps each parameter of the derivative object (``g``'s
  parameters, then a jvp's tangents) to its leaf parameters;
* ``structure`` and ``result_tree`` nest its results as the object returns them:
  a gradient has the structure of its argument (a tuple of them for a tuple
  ``wrt``), a jvp returns ``(value, tangent)`` of the result's structure.

So Hessians, ``jvp`` of ``grad`` and ``grad`` of a nested ``grad`` with container
arguments are exact second derivatives, as for arrays. A vjp whose cotangent is a
container, and ``has_aux``, are refused here.
"""

from __future__ import annotations

from typing import Any

from . import cache, trees
from .errors import DifferentiationError
from .ir import Function, clone


def nest(tree: Any, flat: Any) -> Any:
    """The flat tuple of result indices ``flat`` nested as a value of ``tree``."""
    items = iter(flat if isinstance(flat, tuple) else (flat,))
    return trees.to_nested_tuples(trees.build(tree, items), tree)


def has_containers(tree: Any) -> bool:
    """Whether a tree holds a list, dict or class instance anywhere (a tree of tuples
    only is described by ``Function.structure`` alone)."""
    if tree is None:
        return False
    return tree[0] != "tuple" or any(has_containers(c) for c in trees.children(tree))


def tree_ir(
    d: Any, arg_trees: tuple[Any, ...], types: tuple[Any, ...] | None, names: list[str]
) -> Function:
    """The IR of derivative object ``d`` (an adgen.calling.Derivative, which imports this
    module) called with arguments of ``arg_trees`` (one per
    name in ``names``, the parameters ``d`` takes); see the module doc."""
    what = f"differentiating {d.__name__} again"
    if d._lead or d._keywords or d.has_aux:
        raise DifferentiationError(
            f"{what} with container arguments is not supported for a functools.partial, "
            "a bound method or has_aux=True; pass the arrays as arguments"
        )
    n = len(names) - {"jvp": len(d.wrt_names), "vjp": 1}.get(d.kind, 0)
    primal_trees = tuple(arg_trees[:n])
    extra = arg_trees[n:]
    if d.kind == "jvp":
        for name, pos, t in zip(d.wrt_names, d.wrt_positions, extra, strict=True):
            if t != primal_trees[pos]:
                raise DifferentiationError(
                    f"{what}: the tangent for {name!r} must have the structure of {name!r}"
                )
    if d.kind == "vjp" and extra[0] is not None:
        raise DifferentiationError(
            f"{what}: a vjp whose cotangent is a container cannot be differentiated again; "
            "differentiate grad or jvp of the function instead"
        )
    entry = cache.get(
        d._func,
        d._ir_kind,
        d.wrt_names,
        True,
        primal_trees,
        need_ir=True,
        types=types[:n] if types else None,
    )
    ir = clone(entry.ir)
    leaves = iter(ir.params)
    ir.param_leaves = {
        name: [next(leaves) for _ in range(trees.count(t))]
        for name, t in zip(names, arg_trees, strict=True)
    }
    grad_trees = tuple(primal_trees[p] for p in d.wrt_positions)
    grad_tree = ("tuple", grad_trees) if d.wrt_tuple else grad_trees[0]
    if d.kind == "jvp":
        rt = entry.result_tree
        tree = None if rt is None else ("tuple", (rt, rt))
    elif d.kind == "vjp":
        ir.structure, tree = nest(grad_tree, ir.structure), grad_tree
    else:
        value, grads = ir.structure
        ir.structure, tree = nest(grad_tree, grads), grad_tree
        if d.kind == "value_and_grad":
            ir.structure, tree = (value, ir.structure), ("tuple", (None, grad_tree))
    ir.result_tree = tree if has_containers(tree) else None
    ir.returns_tuple = isinstance(ir.structure, tuple)
    return ir
