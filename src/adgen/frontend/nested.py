"""Derivatives called inside a differentiated function: nested differentiation.

``adgen.grad(g)(x)`` in a function being lowered is made while compiling:
``adgen.grad(g)`` (with constant options) gives the derivative object, and a
call of it (or of a derivative object made at module level) becomes a call of
its derivative *program*: the IR adgen generated for it (``_adgen_ir``) is
added to the program as one more callee, with the functions it calls, so the
outer transforms differentiate through it like any helper (second order and
up, in both modes).
"""

from __future__ import annotations

from typing import Any

import gast

from ..ir import Const, Function, Op, Var, clone, walk
from .basics import as_value, live, static
from .constructors import packed_results
from .context import Context
from .introspection import known_type, type_key
from .user_calls import pack_tree
from .values import Multi, Pack, Static

#: adgen's API functions that make a derivative object, and the options they may take.
MAKERS = {"grad", "value_and_grad", "vjp", "jvp"}
_OPTIONS = {"wrt", "has_aux"}


def _api_function(obj: Any, names: set[str] | tuple[str, ...]) -> bool:
    # By name: the frontend sits below adgen.api and must not import it.
    return getattr(obj, "__module__", None) == "adgen.api" and (
        getattr(obj, "__name__", None) in names
    )


def is_maker(obj: Any) -> bool:
    """Whether ``obj`` is adgen.grad, value_and_grad, vjp or jvp."""
    return _api_function(obj, MAKERS)


def make_derivative(cx: Context, node: gast.Call, maker: Any) -> Static:
    """``adgen.grad(g, wrt=...)`` while compiling: the derivative object itself."""
    if len(node.args) != 1 or any(k.arg not in _OPTIONS for k in node.keywords):
        raise cx.error(
            node,
            f"inside a differentiated function, adgen.{maker.__name__} takes the function "
            "and constant wrt= and has_aux= only",
        )
    f = cx.expr(node.args[0])
    if not isinstance(f, Static) or not callable(f.obj):
        raise cx.error(
            node.args[0],
            f"adgen.{maker.__name__} here needs a function defined at module level (or a "
            "closure of the enclosing code), not a value or a nested def",
        )
    options = {k.arg: static(cx, k.value, k.arg) for k in node.keywords}
    return Static(maker(f.obj, **options))


def refuse_matrices(cx: Context, node: gast.Call, obj: Any) -> None:
    """Refuse ``adgen.jacobian``/``adgen.hessian`` (or their objects) and batched JVPs
    and VJPs called here: they loop or batch over basis vectors outside any one
    derivative program."""
    module = getattr(type(obj), "__module__", None)
    if module == "adgen.batched":
        raise cx.error(
            node,
            "a batched jvp or vjp (batched=True) cannot be called inside a differentiated "
            "function; call adgen.jvp or adgen.vjp without batched=True here, once per "
            "direction",
        )
    if module in ("adgen.composed", "adgen.applied") or _api_function(obj, ("jacobian", "hessian")):
        raise cx.error(
            node,
            "a Jacobian or Hessian cannot be computed inside a differentiated function; "
            "call adgen.grad, jvp or vjp here (a Hessian-vector product is "
            "adgen.jvp(adgen.grad(g))), or compute the matrix outside",
        )


def is_derivative(obj: Any) -> bool:
    """Whether ``obj`` is a derivative adgen made that can be called as IR."""
    return callable(getattr(obj, "_adgen_ir", None)) and hasattr(obj, "_lead")


def call_derivative(cx: Context, node: gast.Call, obj: Any) -> Any:
    """A call of derivative object ``obj``: a ``call`` op of its derivative program."""
    if node.keywords or any(isinstance(a, gast.Starred) for a in node.args):
        raise cx.error(node, "pass the arguments of a nested derivative by position")
    if obj._lead or obj._keywords:
        raise cx.error(
            node, "a nested derivative of a functools.partial or bound method is not supported"
        )
    lowered = [live(cx, cx.expr(a), a) for a in node.args]
    given = [pack_tree(v) for v in lowered]
    arg_trees = tuple(t for t, _ in given)
    name = _register(
        cx,
        obj,
        node,
        arg_trees if any(t is not None for t in arg_trees) else None,
        _types(cx, lowered),
    )
    fn = cx.program.functions[name]
    params = list(fn.param_leaves or fn.params)
    if len(node.args) != len(params):
        raise cx.error(
            node,
            f"{obj.__name__} takes {len(params)} argument(s) ({', '.join(params)}) here, "
            f"not {len(node.args)}",
        )
    args = [as_value(cx, leaf, a) for (_, leaves), a in zip(given, node.args) for leaf in leaves]
    structure = fn.result_structure()
    count = len(fn.body.results)
    results = [cx.namer.fresh("t") for _ in range(count)]
    attrs: dict[str, Any] = {"fn": name}
    if isinstance(structure, tuple):
        attrs["structure"] = structure
    cx.block.ops.append(Op(results, "call", args, attrs, cx.loc))
    if fn.result_tree is not None:  # containers (a gradient of a dict or a dataclass...)
        return packed_results(fn.result_tree, structure, results)
    if isinstance(structure, tuple):
        if all(isinstance(s, int) for s in structure):
            return Multi(tuple(Var(results[s]) for s in structure))
        raise cx.error(node, f"{obj.__name__} returns nested tuples; unpack them outside")
    return Var(results[0])


def _keep_returned(fn: Function) -> None:
    """Keep only the results ``fn``'s structure returns (a gradient object's IR keeps
    the value beside the gradient), renumbered in order."""
    kept: list[Any] = []

    def renumber(s: Any) -> Any:
        if isinstance(s, tuple):
            return tuple(renumber(x) for x in s)
        kept.append(fn.body.results[s])
        return len(kept) - 1

    structure = renumber(fn.result_structure())
    fn.body.results = kept
    fn.structure = structure
    fn.returns_tuple = isinstance(structure, tuple)


def _types(cx: Context, values: list[Any]) -> tuple[Any, ...] | None:
    """The type keys (see adgen.frontend.introspection) of a nested derivative's
    arguments, so that it folds methods and isinstance of parameter objects as a call
    from outside would: None for a value whose type is not known here."""
    keys: list[Any] = []
    for v in values:
        if isinstance(v, Var) and cx.types is not None and v.name in cx.param_types:
            known_type(cx, v)  # the code depends on this argument's type
            keys.append(cx.types[cx.param_types[v.name]])
        elif isinstance(v, Pack):
            keys.append(v.cls)
        elif isinstance(v, (Const, Static)):
            keys.append(type_key(v.value if isinstance(v, Const) else v.obj))
        else:
            keys.append(None)
    return tuple(keys) if any(k is not None for k in keys) else None


def _register(
    cx: Context,
    obj: Any,
    node: gast.AST,
    arg_trees: tuple[Any, ...] | None,
    types: tuple[Any, ...] | None,
) -> str:
    """The program name of ``obj``'s derivative function for arguments of ``arg_trees``
    and ``types`` (added with its callees)."""
    primal = getattr(obj, "_func", obj)
    code = getattr(primal, "__code__", None)
    key = ("derivative", code if code is not None else id(primal), obj.kind, obj.wrt_names)
    key = (*key, obj.wrt_tuple, obj.has_aux, arg_trees, types)
    program = cx.program
    if key in program.origins:
        return program.origins[key]
    try:
        fn = clone(obj._ir(types, arg_trees))
    except Exception as exc:  # its own refusal, at this call
        raise cx.error(node, f"{obj.__name__} cannot be compiled here: {exc}") from None
    _keep_returned(fn)
    inner = fn.program
    renames: dict[str, str] = {}
    copies: list[Function] = []
    if inner is not None:
        for g in inner.reachable(fn):
            renames[g.name] = new = program.fresh_name(g.name)
            program.functions[new] = None  # type: ignore[assignment]  # reserved
            copies.append(clone(g))
    name = program.fresh_name(fn.name)
    program.origins[key] = name
    program.keep.append(obj)
    for g in [fn, *copies]:
        for op in walk(g.body):
            if op.prim == "call":
                op.attrs["fn"] = renames[op.attrs["fn"]]
        g.name = name if g is fn else renames[g.name]
        g.program = program
        program.functions[g.name] = g
        cx.namer.reserve(g.name)
    return name
