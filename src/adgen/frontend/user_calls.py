"""Lowering of calls to the user's own Python functions.

A call ``helper(x, w)`` becomes a ``call`` op naming the lowered ``helper`` in
the program (see :mod:`adgen.program`); arguments are bound to the callee's
parameters as Python would (keywords, constant defaults). A callee that
returns a tuple gives one result per element, unpacked by assignment.

A callee may change its argument arrays in place (``p *= 0.5``, ``p[0] = v``)
and return one of them or a view of it (``return p``), as NumPy's reference
semantics allow. While a function is lowered as a callee, each parameter's
argument is followed under a hidden name (``p#arg``, never a Python name) that
writes rebind like any alias; at the end, the argument arrays it changed are
returned after its own results, and the caller rebinds every name sharing the
argument to the new value, as after a write of its own (so derivatives flow
through it too). Results that may share memory with an argument are related to
it in the caller's view table. Arguments that may share memory with each other
are refused when the callee changes one of them (the callee assumes they are
distinct).
"""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

import gast

from ..ir import Const, Function, Op, Value, Var
from .aliasing import OPAQUE, AliasGraph, record
from .basics import as_value, live
from .constructors import packed_results
from .context import Context
from .values import Multi, Pack, Stale
from .writes import check_writable, replace_value

ARG = "{}#arg"  # the argument array a callee's parameter was given
NO_SELF = object()  # a call that is not of a method


def user_call(cx: Context, node: gast.Call, f: Any, self_value: Any = NO_SELF) -> Value | Multi:
    """Lower ``f(...)`` (``self_value`` first for a method) as a ``call`` op."""
    parameters = bound_parameters(cx, node, f, self_value)
    args: list[Value] = []
    trees: list[Any] = []
    for v in parameters:
        tree, leaves = pack_tree(v)
        trees.append(tree)
        args.extend(as_value(cx, leaf, node) for leaf in leaves)
    program = cx.program
    key = tuple(trees) if any(t is not None for t in trees) else None
    name = program.callee(f, cx.lower_callee, key)
    callee = program.functions[name]
    cx.namer.reserve(name)
    writes: tuple[tuple[int, int], ...] = ()
    if callee is None:  # recursion: the callee is still being lowered
        arity = recursive_arity(cx, f)
        count = max(arity, 1)
        structure: object = tuple(range(arity)) if arity >= 0 else 0
    else:
        structure = callee.result_structure()
        writes = callee.argument_writes
        own = structure[0] if writes else structure
        arity = len(own) if isinstance(own, tuple) else -1
        count = len(callee.body.results)
    refuse_shared_arguments(cx, node, f, args, writes)
    results = [cx.namer.fresh("t") for _ in range(count)]
    attrs = {"fn": name, "structure": structure} if isinstance(structure, tuple) else {"fn": name}
    cx.block.ops.append(Op(results, "call", args, attrs, cx.loc))
    if callee is not None:
        follow_arguments(cx, node, callee, args, results)
        if callee.result_tree is not None:  # lists, dicts, class instances: a pack
            return packed_results(callee.result_tree, own, results)  # type: ignore[return-value]
    if arity >= 0:
        return Multi(tuple(Var(r) for r in results[:arity]))
    return Var(results[0])


def bound_parameters(cx: Context, node: gast.Call, f: Any, self_value: Any) -> list[Any]:
    """The lowered value of each parameter of ``f`` in a call (``*args`` a tuple pack,
    ``**kwargs`` a dict pack), bound as Python binds them."""
    positional: list[Any] = [] if self_value is NO_SELF else [self_value]
    for a in node.args:
        if isinstance(a, gast.Starred):
            positional.extend(_spread(cx, a.value, "*"))
        else:
            positional.append(argument(cx, a))
    keywords: dict[str, Any] = {}
    for k in node.keywords:
        if k.arg is None:
            spread = cx.expr(k.value)
            if not (isinstance(spread, Pack) and spread.kind == "dict"):
                raise cx.error(k.value, "** in a call needs a dict known while compiling")
            keywords.update(zip(spread.keys, spread.items, strict=True))
        else:
            keywords[k.arg] = argument(cx, k.value)
    sig = inspect.signature(f)
    try:
        bound = sig.bind(*positional, **keywords)
    except TypeError as exc:
        raise cx.error(
            node, f"this call to {f.__name__} does not match its parameters: {exc}"
        ) from None
    out: list[Any] = []
    for pname, param in sig.parameters.items():
        given = bound.arguments.get(pname, NO_SELF)
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            out.append(Pack("tuple", tuple(() if given is NO_SELF else given)))
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            d = {} if given is NO_SELF else given
            out.append(Pack("dict", tuple(d.values()), tuple(d)))
        elif given is not NO_SELF:
            out.append(given)
        elif param.default is not inspect.Parameter.empty:
            if not isinstance(param.default, (int, float, bool, type(None), str)):
                raise cx.error(
                    node,
                    f"pass {pname!r} to {f.__name__} explicitly: "
                    "only constant defaults are filled in",
                )
            out.append(Const(param.default))
        else:
            raise cx.error(node, f"{f.__name__} needs its argument {pname!r}")
    return out


def argument(cx: Context, node: gast.AST) -> Any:
    """An argument of a call to a user function: a value, or a container pack."""
    out = live(cx, cx.expr(node), node)
    if isinstance(out, Pack):
        return out
    if isinstance(out, Multi):
        raise cx.error(node, "this call returns several values: unpack them first (a, b = f(...))")
    return as_value(cx, out, node)


def _spread(cx: Context, node: gast.AST, star: str) -> list[Any]:
    out = live(cx, cx.expr(node), node)
    if isinstance(out, Pack) and out.kind != "dict":
        return list(out.items)
    if isinstance(out, Const) and isinstance(out.value, tuple):
        return [Const(v) for v in out.value]
    raise cx.error(node, f"{star} in a call needs a tuple or list known while compiling")


def pack_tree(v: Any) -> tuple[Any, list[Any]]:
    """The tree (see adgen.trees) of a pack given to a callee, and its leaves in order."""
    if not isinstance(v, Pack):
        return None, [v]
    subtrees: list[Any] = []
    leaves: list[Any] = []
    for item in v.items:
        t, ls = pack_tree(item)
        subtrees.append(t)
        leaves.extend(ls)
    children = tuple(subtrees)
    if v.kind == "dict":
        return ("dict", tuple(v.keys), children), leaves
    if v.node is not None:
        return ("node", v.node[0], v.node[1], tuple(v.keys), children), leaves
    return (v.kind, children), leaves


def refuse_shared_arguments(
    cx: Context, node: gast.AST, f: object, args: list[Value], writes: tuple[tuple[int, int], ...]
) -> None:
    """The callee changes an argument in place: refuse arguments that may share memory."""
    if not writes:
        return
    graph = AliasGraph(cx.aliases.views)
    for k, _ in writes:
        for m, other in enumerate(args):
            if m != k and graph.relate(args[k], other) is not None:
                raise cx.error(
                    node,
                    f"{getattr(f, '__name__', 'this function')} changes "
                    f"its argument {k + 1} in place, and argument {m + 1} may "
                    "share memory with it; adgen assumes they do not: pass a "
                    "copy (.copy()) of one of them",
                )


def follow_arguments(
    cx: Context, node: gast.AST, callee: Function, args: list[Value], results: list[str]
) -> None:
    """After the call: the argument arrays the callee changed are rebound to their new
    values, and results that may share memory with an argument are related to it."""
    now: dict[int, Value] = {}
    for k, j in callee.argument_writes:
        a = args[k]
        if isinstance(a, Var):
            check_writable(cx, a.name, node)
            now[k] = replace_value(cx, a.name, Var(results[j]), node)
    for j, k, rel in callee.result_aliases:
        target = now.get(k, args[k])
        if isinstance(target, Var):
            if cx.aliases.views.get(target.name):
                # The argument is itself a view: a result that may be it is not
                # followed through later writes (they make it stale, refused on use).
                rel = (OPAQUE,)
            record(cx.aliases.views, results[j], target.name, rel)


def note_arguments(cx: Context, params: list[str]) -> None:
    """Lowering a callee: follow each (leaf) parameter's argument under a hidden name."""
    for p in params:
        cx.env[ARG.format(p)] = Var(p)
    cx.packed_params = {u: v for u, v in cx.env.items() if isinstance(v, Pack)}


def return_arguments(cx: Context, fn: Function, names: list[str]) -> None:
    """A callee's end: return the argument arrays it changed after its own results,
    and note on ``fn`` which results may share memory with an argument."""
    own = fn.result_structure()
    n = len(fn.body.results)
    finals: dict[int, Var] = {}
    writes: list[tuple[int, int]] = []
    for user, pack in cx.packed_params.items():
        if pack.kind in ("list", "dict") and cx.env.get(user) is not pack:
            raise cx.error(
                cx.p.node,
                f"{fn.name} changes or rebinds its {pack.kind} argument {user!r}; adgen "
                f"cannot give the change back to the caller: build a new {pack.kind} "
                "and return it",
            )
    for k, param in enumerate(fn.params):
        user = _user_name(cx, names, k, param)
        v = cx.env.get(ARG.format(param))
        if isinstance(v, Stale):
            raise cx.error(
                cx.p.node,
                f"{fn.name} changes its argument {user!r} in place "
                "in a way adgen cannot follow (through a value that may "
                "share memory with it); work on a copy and return it",
            )
        if not isinstance(v, Var):
            continue
        finals[k] = v
        if v.name != fn.params[k]:
            writes.append((k, len(fn.body.results)))
            fn.body.results.append(v)
    graph = AliasGraph(cx.aliases.views)
    aliases: list[tuple[int, int, object]] = []
    for j in range(n):
        for k, v in finals.items():
            rel = graph.relate(fn.body.results[j], v)
            if rel is not None:
                # What names the callee's own values cannot be replayed in the caller.
                known = tuple(x for x in rel if not any(isinstance(a, Var) for a in x.args))
                aliases.append((j, k, known or (OPAQUE,)))
    if writes:
        fn.structure = (own, *(j for _, j in writes))
    fn.argument_writes = tuple(writes)
    fn.result_aliases = tuple(aliases)


def _user_name(cx: Context, names: list[str], k: int, param: str) -> str:
    """The parameter (and item) of the Python function IR parameter ``k`` stands for."""
    if cx.param_leaves is None:
        return names[k]
    for user, leaves in cx.param_leaves.items():
        if param in leaves:
            return user if len(leaves) == 1 else f"{user} (one of its items)"
    return param


def recursive_arity(cx: Context, f: Any) -> int:
    """How many values a function being lowered returns (-1: one, not a tuple)."""
    tree = gast.parse(textwrap.dedent(inspect.getsource(f)))
    for n in gast.walk(tree):
        if isinstance(n, gast.Return) and n.value is not None:
            return len(n.value.elts) if isinstance(n.value, gast.Tuple) else -1
    return -1
