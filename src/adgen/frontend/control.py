"""Lowering of control flow: statement sequences, if/elif/else, break, continue, return.

What it leaves in the IR (see :mod:`adgen.primitives.control` for the ops):

* An ``if`` statement becomes an ``if`` op whose results are the variables
  either branch (re)binds. A conditional expression is an ``if`` op too.
* Loops are lowered by :mod:`adgen.frontend.loops`.
* ``break``, ``continue`` and ``return`` inside loops become flags: the code
  after a statement that may have set one runs under an ``if`` on the flags,
  and a loop whose body may break yields an exit flag.
* Early returns were already moved into ``if``/``else`` by
  :mod:`adgen.frontend.desugar.returns`.
"""

from __future__ import annotations

from typing import Any

import gast

from ..ir import Block, Const, If, Value, Var
from ..ir.util import defines
from . import lists
from .aliasing import AliasGraph, invariant, join, record
from .basics import as_value, live, value
from .context import Context
from .values import Lowered, MaybeUnbound, Multi, Pack, Stale

# Keys of the flags and return values lowering keeps in the environment.
RET, BRK, CONT = "%ret", "%brk", "%cont"
FLAGS = (RET, BRK, CONT)
FLAG_NAMES = {RET: "returned", BRK: "stop", CONT: "skip"}


class _LoopTarget:
    """Marks a loop variable after its loop: using it there is refused."""


LOOP_TARGET = _LoopTarget()


class _OneBranch:
    """Marks a name an if binds on one path only: using it after the if is refused."""


ONE_BRANCH = _OneBranch()


def contains(stmts: list[gast.stmt], kinds: tuple[type, ...], into_loops: bool) -> bool:
    for s in stmts:
        if isinstance(s, kinds):
            return True
        if isinstance(s, gast.If) and (
            contains(s.body, kinds, into_loops) or contains(s.orelse, kinds, into_loops)
        ):
            return True
        if (
            into_loops
            and isinstance(s, (gast.For, gast.While))
            and contains(s.body, kinds, into_loops)
        ):
            return True
    return False


def _has_containers(tree: Any) -> bool:
    """Whether a result tree (see adgen.trees) holds a list or dict anywhere."""
    if tree is None:
        return False
    kind, *rest = tree
    if kind in ("list", "dict", "node"):
        return True
    return any(_has_containers(t) for t in rest[-1])


def is_call_to(node: gast.AST, name: str) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and node.func.id == name


def run_statements(cx: Context, stmts: list[gast.stmt]) -> None:
    """Lower ``stmts`` in the current block, honouring exits by flag."""
    for k, s in enumerate(stmts):
        if exited(cx):
            if any(f is cx.scope.frame for f in cx.folded_exits):
                return  # after an if whose test was known: Python never runs the rest
            raise cx.error(
                s, "this code is never run (it follows a return, break or continue); remove it"
            )
        cx.set_loc(s)
        cx.statement(s)
        rest = stmts[k + 1 :]
        if rest and not exited(cx) and maybe_exited(cx):
            guard(cx, rest)
            return


def flag(cx: Context, key: str) -> Value:
    v = cx.env.get(key, Const(False))
    return v


def exited(cx: Context) -> bool:
    return any(flag(cx, k) == Const(True) for k in FLAGS)


def maybe_exited(cx: Context) -> bool:
    return any(isinstance(flag(cx, k), Var) for k in FLAGS)


def guard(cx: Context, rest: list[gast.stmt]) -> None:
    """Lower ``rest`` under ``if not (flags)``, merging what it binds."""
    raised = [k for k in FLAGS if isinstance(flag(cx, k), Var)]
    cond: Value = flag(cx, raised[0])
    for k in raised[1:]:
        cond = cx.emit("or_", [cond, flag(cx, k)])
    then_env = dict(cx.env)
    if raised == [RET]:
        then_env[RET] = Const(True)
    else_env = dict(cx.env)
    for k in raised:
        else_env[k] = Const(False)
    then_block = Block()
    else_block, else_env = lower_block(cx, rest, else_env)
    merge_if(cx, cond, then_block, then_env, else_block, else_env)


def lower_block(
    cx: Context, stmts: list[gast.stmt], env: dict[str, Any], params: list[str] | None = None
) -> tuple[Block, dict[str, Any]]:
    """Lower ``stmts`` into a new block starting from ``env``."""
    with cx.scope.enter(env, params) as frame:
        run_statements(cx, stmts)
    return frame.block, frame.env


def merge_if(
    cx: Context,
    cond: Value,
    then_block: Block,
    then_env: dict[str, Any],
    else_block: Block,
    else_env: dict[str, Any],
) -> None:
    """Emit an ``if`` op whose results rebind what differs between the branches."""
    before = cx.env
    keys = list(dict.fromkeys([*then_env, *else_env]))
    results: list[str] = []
    for key in keys:
        if key == "%rvn":
            known = [e[key] for e in (then_env, else_env) if key in e]
            cx.env[key] = known[0]
            continue
        if (
            key not in before
            and not key.startswith("%")
            and (key not in then_env or key not in else_env)
        ):
            # Bound on one path only: Python would raise NameError on the other.
            cx.env[key] = ONE_BRANCH
            continue
        tv = then_env.get(key, missing(cx, key, before))
        ev = else_env.get(key, missing(cx, key, before))
        tv, ev = lists.merged(cx, tv, ev, (then_env, then_block), (else_env, else_block), None)
        unbound = next((v for v in (tv, ev) if isinstance(v, MaybeUnbound)), None)
        if unbound is not None and all(v is unbound or v == unbound.value for v in (tv, ev)):
            cx.env[key] = unbound  # checked on one path only: still unchecked after the if
            continue
        if tv == ev and type(tv) is type(ev):
            cx.env[key] = tv
            continue
        if not isinstance(tv, (Var, Const)) or not isinstance(ev, (Var, Const)):
            if tv is LOOP_TARGET or ev is LOOP_TARGET:
                cx.env[key] = LOOP_TARGET
                continue
            if tv is ONE_BRANCH or ev is ONE_BRANCH:
                cx.env[key] = ONE_BRANCH
                continue
            if isinstance(tv, Stale) or isinstance(ev, Stale):
                cx.env[key] = tv if isinstance(tv, Stale) else ev  # reading it is refused
                continue
            raise cx.error(
                None,
                f"{key!r} denotes different functions or modules in "
                "the branches of an if; bind it before the if",
            )
        name = cx.namer.fresh(FLAG_NAMES.get(key, "result" if key.startswith("%rv") else key))
        results.append(name)
        then_block.results.append(tv)
        else_block.results.append(ev)
        if lists.is_list(cx, tv) or lists.is_list(cx, ev):
            cx.aliases.lists.add(name)
        cx.env[key] = Var(name)
    op = If.new(results, cond, then_block, else_block, loc=cx.loc)
    cx.block.ops.append(op)
    relate_merged(cx, op, before, then_env, else_env)


def _related(key: str) -> bool:
    """Whether a binding takes part in alias relations: the user's names, and the
    returned values (a callee's result may be its argument: see user_calls.py)."""
    return not key.startswith("%") or (key.startswith("%rv") and key != "%rvn")


def relate_merged(
    cx: Context, op: If, before: dict[str, Any], then_env: dict[str, Any], else_env: dict[str, Any]
) -> None:
    """State what may share memory after the if: what does on either path."""
    changed = [
        k
        for k in cx.env
        if _related(k) and isinstance(cx.env[k], Var) and cx.env[k].name in op.results
    ]
    if not changed:
        return
    graph = AliasGraph(cx.aliases.views)
    inside = defines(op.then) + defines(op.orelse)
    names = [k for k, v in cx.env.items() if _related(k) and isinstance(v, Var)]
    done: set[tuple[str, str]] = set()
    for a in changed:
        for b in names:
            pair = (a, b) if a < b else (b, a)
            if b == a or pair in done:
                continue
            done.add(pair)
            r = join(
                graph.relate(then_env.get(a), then_env.get(b)),
                graph.relate(else_env.get(a), else_env.get(b)),
            )
            if r is not None:
                record(cx.aliases.views, cx.env[a].name, cx.env[b].name, invariant(r, inside))


def missing(cx: Context, key: str, before: dict[str, Any]) -> Any:
    if key in before:
        return before[key]
    return Const(False) if key in FLAGS else Const(None)


def stmt_If(cx: Context, s: gast.If) -> None:
    cond = condition(cx, s.test)
    if isinstance(cond, Const) and type(cond.value) in (bool, int, type(None)):
        taken = s.body if cond.value else s.orelse
        if not contains(taken, (gast.Break, gast.Continue), False):
            # Known while compiling (isinstance, a constant): only that branch runs.
            run_statements(cx, taken)
            if exited(cx):
                cx.folded_exits.append(cx.scope.frame)
            return
    then_block, then_env = lower_block(cx, s.body, cx.env)
    else_block, else_env = lower_block(cx, s.orelse, cx.env)
    cx.set_loc(s)
    merge_if(cx, cond, then_block, then_env, else_block, else_env)


def condition(cx: Context, node: gast.AST) -> Value:
    return value(cx, node)


def expr_IfExp(cx: Context, node: gast.IfExp) -> Any:
    cond = value(cx, node.test)
    if isinstance(cond, Const) and type(cond.value) in (bool, int, type(None)):
        return cx.expr(node.body if cond.value else node.orelse)
    blocks = []
    for branch in (node.body, node.orelse):
        with cx.scope.enter(cx.env, block=Block()) as frame:
            frame.block.results = [value(cx, branch)]
        blocks.append(frame.block)
    name = cx.namer.fresh("t")
    cx.block.ops.append(If.new([name], cond, blocks[0], blocks[1], loc=cx.loc))
    return Var(name)


def expr_BoolOp(cx: Context, node: gast.BoolOp) -> Any:
    prim = "and_" if isinstance(node.op, gast.And) else "or_"
    values = list(node.values)
    # Operands known while compiling decide as Python does: `a and b` is a if a is
    # false, else b (and b is not evaluated when a decides).
    while len(values) > 1:
        first = cx.expr(values[0])
        if not (isinstance(first, Const) and type(first.value) in (bool, int, type(None))):
            break
        if bool(first.value) != (prim == "and_"):
            return first
        values = values[1:]
        if len(values) == 1:
            return cx.expr(values[0])
    else:
        return cx.expr(values[0])
    out = as_value(cx, first, values[0])
    for v in values[1:]:
        out = cx.emit(prim, [out, value(cx, v)])
    return out


def stmt_Break(cx: Context, s: gast.Break) -> None:
    if not cx.loop_depth:
        raise cx.error(s, "break outside a loop")
    cx.env[BRK] = Const(True)


def stmt_Continue(cx: Context, s: gast.Continue) -> None:
    if not cx.loop_depth:
        raise cx.error(s, "continue outside a loop")
    cx.env[CONT] = Const(True)


def stmt_Return(cx: Context, s: gast.Return) -> None:
    if s.value is None:
        raise cx.error(s, "return needs a value to differentiate")
    value = live(cx, cx.expr(s.value), s.value)
    if isinstance(value, Multi):
        values: list[Value] = list(value.values)
        arity = len(values)
        structure, tree = tuple(range(arity)), None
    elif isinstance(value, Pack):
        values = []
        structure, tree = flatten_result(cx, value, values, s.value)
        arity = len(values)
        if not _has_containers(tree):
            tree = None
    else:
        values = [as_value(cx, value, s.value)]
        arity, structure, tree = -1, None, None
    if cx.env.get("%rvn") is not None and (structure, tree) != (
        cx.result_structure,
        cx.result_tree,
    ):
        raise cx.error(s, "every return must give values of the same structure")
    cx.result_structure, cx.result_tree = structure, tree
    known = cx.env.get("%rvn")
    if isinstance(known, Const) and known.value != arity:
        raise cx.error(s, "every return must give the same number of values")
    cx.env["%rvn"] = Const(arity)
    for k, v in enumerate(values):
        cx.env[f"%rv{k}"] = v
    cx.env[RET] = Const(True)
    if cx.loop_depth:
        cx.env[BRK] = Const(True)


def flatten_result(
    cx: Context, value: Lowered, results: list[Value], node: gast.AST
) -> tuple[Any, Any]:
    """(structure, tree) of a returned value; its leaves are appended to results."""
    value = live(cx, value, node)
    if not isinstance(value, Pack):
        results.append(as_value(cx, value, node))
        return len(results) - 1, None
    parts = [flatten_result(cx, i, results, node) for i in value.items]
    structure = tuple(p[0] for p in parts)
    subtrees = tuple(p[1] for p in parts)
    if value.node is not None:  # a NamedTuple, dataclass or registered instance
        return structure, ("node", *value.node, tuple(value.keys), subtrees)
    tree = ("dict", value.keys, subtrees) if value.kind == "dict" else (value.kind, subtrees)
    return structure, tree
