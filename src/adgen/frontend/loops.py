"""Lowering of ``for`` and ``while`` loops.

A loop becomes a ``for_range`` or ``while`` op (see :mod:`adgen.ir.core`).
Its carried values are found from the source before the body is lowered,
once (:mod:`adgen.frontend.carried`): the names the body rebinds that exist
before the loop, the arrays it writes in place, and every name bound to one
of those arrays, or to a view of it, when the loop starts. Names bound to the
same array that the body never rebinds share one carried value; otherwise
each name has its own, and the relations between them at the start of an
iteration are stated to the view table (:mod:`adgen.frontend.aliasing`),
checked against what the body yields, and kept on the loop's results.

``for`` over an array, ``enumerate``, ``zip`` and ``reversed`` become a
``for_range`` over indices whose body starts by taking rows. A row is a view
of the array as the body sees it at that iteration, as in NumPy: writes
through it reach the array, and it reflects the body's earlier writes.

Example (``w`` and ``x`` start as one array; ``x *= 0.5`` is in place if it is
an array, a rebinding if it is a number, so ``w`` follows at run time)::

    w = x                        x4, w3 = for_range(0, 2, 1, x, x)
    for i in range(2):             body(i1, x1, w1):
        x *= 0.5                     x2 = mul(x1, 0.5)
                                     x3 = alias_select(x1, x1, x2, x1)
                                     w2 = alias_select(x1, w1, x3, w1)
                                     yield x2, w2
"""

from __future__ import annotations

import builtins
from typing import Any

import gast

from ..ir import Const, ForRange, Value, Var, While
from ..ir.util import defines
from . import lists
from .aliasing import OPAQUE, SAME, AliasGraph, implies, invariant, join, record, weaken
from .basics import as_value, live, value
from .carried import loop_names, stored_names
from .context import Context
from .control import (
    BRK,
    CONT,
    FLAG_NAMES,
    LOOP_TARGET,
    RET,
    condition,
    contains,
    flag,
    is_call_to,
    missing,
    run_statements,
)
from .values import MaybeUnbound, Pack, Stale, pack_names


def _result_base(key: str) -> str:
    return FLAG_NAMES.get(key, "result" if key.startswith("%rv") else key)


def stmt_For(cx: Context, s: gast.For) -> None:
    if s.orelse:
        raise cx.error(s, "for/else is not supported here: use a flag variable")
    seq = None
    if not any(is_call_to(s.iter, f) for f in ("range", "enumerate", "zip", "reversed")):
        seq = live(cx, cx.expr(s.iter), s.iter)
    elif (
        (is_call_to(s.iter, "zip") or is_call_to(s.iter, "enumerate"))
        and all(
            isinstance(a, (gast.Tuple, gast.List))
            or (
                isinstance(a, gast.Name)
                and isinstance(cx.env.get(a.id), Pack)
                and cx.env[a.id].kind != "dict"
            )
            for a in s.iter.args
        )
        and s.iter.args
    ):
        # zip or enumerate of lists known item by item: tuples known item by item.
        columns = [cx.expr(a).items for a in s.iter.args]
        if is_call_to(s.iter, "enumerate"):
            columns = [tuple(Const(k) for k in range(len(columns[0]))), columns[0]]
        seq = Pack("list", tuple(Pack("tuple", row) for row in zip(*columns, strict=False)))
    if isinstance(seq, Pack):
        if not contains(s.body, (gast.Break, gast.Continue, gast.Return), False):
            unrolled(cx, s, seq)
            return
        if any(isinstance(i, Pack) for i in seq.items):
            raise cx.error(
                s,
                "a for with break, continue or return over tuples known "
                "item by item is not supported: index them in a range loop",
            )
        seq = lists.runtime(cx, seq, s.iter)
    start, stop, step, reverse, bind = iteration(cx, s, seq)
    loop(cx, s, s.body, [start, stop, step], reverse, bind)


def unrolled(cx: Context, s: gast.For, seq: Pack) -> None:
    """A for over a tuple, list or dict known item by item, without break, continue or
    return: the body once per item (its items may differ in shape and type)."""
    items = [Const(k) for k in seq.keys] if seq.kind == "dict" else list(seq.items)
    for item in items:
        cx.env["%item"] = item
        cx.statement(
            gast.copy_location(
                gast.Assign(
                    targets=[s.target],
                    value=gast.Name("%item", gast.Load(), None, None),
                    type_comment=None,
                ),
                s,
            )
        )
        cx.env.pop("%item", None)
        run_statements(cx, s.body)


def stmt_While(cx: Context, s: gast.While) -> None:
    if s.orelse:
        raise cx.error(s, "while/else is not supported: use a flag variable")
    loop(cx, s, s.body, None, False, None)


def iteration(
    cx: Context, s: gast.For, lowered: Any = None
) -> tuple[Value, Value, Value, bool, Any]:
    """(start, stop, step, reverse, bind) for a for statement; ``bind(i)``
    assigns the loop target inside the body, given the index variable (``lowered``:
    the iterable, if already lowered)."""
    it, target = s.iter, s.target
    reverse = False
    stored = set(stored_names(s.body))

    def current(node: gast.AST, seq: Value) -> Value:
        """The iterated array as the body sees it: Python iterates over the object, so
        a row reflects the body's earlier in-place writes to it (the loop carries the
        name), unless the body rebinds the name to another object."""
        if isinstance(node, gast.Name) and node.id not in stored:
            now = cx.env.get(node.id)
            if isinstance(now, Var):
                return now
        return seq

    if is_call_to(it, "reversed") and len(it.args) == 1:
        reverse, it = True, it.args[0]
    if is_call_to(it, "range") and is_builtin(cx, "range"):
        args = [value(cx, a) for a in it.args]
        if not 1 <= len(args) <= 3:
            raise cx.error(it, "range takes 1 to 3 arguments")
        start, stop, step = (
            [Const(0), args[0], Const(1)]
            if len(args) == 1
            else [args[0], args[1], Const(1)]
            if len(args) == 2
            else args
        )
        if not isinstance(target, gast.Name):
            raise cx.error(target, "the target of a for over range must be a name")

        def bind_index(i: Var) -> None:
            cx.env[target.id] = i

        return start, stop, step, reverse, bind_index
    if is_call_to(it, "enumerate") and is_builtin(cx, "enumerate"):
        if len(it.args) != 1 or not (
            isinstance(target, gast.Tuple)
            and len(target.elts) == 2
            and all(isinstance(e, gast.Name) for e in target.elts)
        ):
            raise cx.error(s, "use the form: for i, row in enumerate(array)")
        seq = value(cx, it.args[0])
        n = cx.emit("len", [seq])

        def bind_enum(i: Var) -> None:
            cx.env[target.elts[0].id] = i
            cx.env[target.elts[1].id] = lists.item(
                cx, current(it.args[0], seq), i, target.elts[1].id
            )

        return Const(0), n, Const(1), reverse, bind_enum
    if is_call_to(it, "zip") and is_builtin(cx, "zip"):
        if not (
            isinstance(target, gast.Tuple)
            and len(target.elts) == len(it.args)
            and all(isinstance(e, gast.Name) for e in target.elts)
        ):
            raise cx.error(s, "use the form: for a, b in zip(xs, ys)")
        seqs = [value(cx, a) for a in it.args]
        n: Value = cx.emit("len", [seqs[0]])
        for q in seqs[1:]:
            n = cx.emit("minimum", [n, cx.emit("len", [q])])

        def bind_zip(i: Var) -> None:
            for e, a, q in zip(target.elts, it.args, seqs):
                cx.env[e.id] = lists.item(cx, current(a, q), i, e.id)

        return Const(0), n, Const(1), reverse, bind_zip
    if not isinstance(target, gast.Name):
        raise cx.error(
            target, "unpacking rows in a for target is not supported; index the row inside the loop"
        )
    seq = value(cx, it) if lowered is None else as_value(cx, lowered, it)
    n = cx.emit("len", [seq])

    def bind_row(i: Var) -> None:
        cx.env[target.id] = lists.item(cx, current(it, seq), i, target.id)

    return Const(0), n, Const(1), reverse, bind_row


def is_builtin(cx: Context, name: str) -> bool:
    if name in cx.env:
        return False
    found, obj = cx.p.lookup(name)
    return found and obj is getattr(builtins, name)


def carried(
    cx: Context, s: gast.AST, body: list[gast.stmt], bounds: Any
) -> tuple[list[str], dict[str, str], set[str], set[str], list[str], Any]:
    """(names with their own carried value, names sharing another's, names the body
    may rebind, names whose array it may write, loop targets and body locals, pairs
    of names the body binds to one another)."""
    names = loop_names(
        body,
        [] if bounds is not None else [s.test],
        (s.target, s.iter) if bounds is not None else None,
    )
    targets = set(stored_names([s.target])) if bounds is not None else set()
    stored = [n for n in names.stored if n not in targets]
    env = cx.env
    carried = [n for n in stored if isinstance(env.get(n), (Var, Const))]
    graph = AliasGraph(cx.aliases.views)
    written: set[str] = set()
    for n in names.written:
        if isinstance(env.get(n), Var):
            written |= graph.component(env[n].name)
    touched = set()
    for n, v in env.items():
        if n.startswith("%") or n in targets:
            continue
        if isinstance(v, Var) and v.name in written:
            touched.add(n)
            if n not in carried:
                carried.append(n)
        elif isinstance(v, Pack) and written & pack_names(v):
            raise cx.error(
                s,
                f"{n!r} holds an array that this loop changes in "
                "place; adgen cannot carry it through the loop: take "
                "a copy (.copy()) of the array before putting it there",
            )
    rebound = set(stored)
    slots: list[str] = []
    share: dict[str, str] = {}
    owner: dict[str, str] = {}
    for n in carried:
        v = env[n]
        if n not in rebound and isinstance(v, Var) and v.name in owner:
            share[n] = owner[v.name]
            continue
        slots.append(n)
        if n not in rebound and isinstance(v, Var):
            owner[v.name] = n
    local = [n for n in stored if n not in carried]
    return slots, share, rebound, touched, [*targets, *local], names.copies


def loop(
    cx: Context,
    s: gast.AST,
    body: list[gast.stmt],
    bounds: list[Value] | None,
    reverse: bool,
    bind: Any,
) -> None:
    """Lower a for (``bounds`` given) or while loop."""
    lists.before_loop(cx, s, body, bounds is not None)
    slots, share, rebound, touched, local, copies = carried(cx, s, body, bounds)
    has_return = contains(body, (gast.Return,), into_loops=True)
    # Names first bound here and read after the loop: carried from an unbound start.
    late = [t for t in local if t in getattr(s, "read_after", ()) and not t.startswith("%")]
    local = [t for t in local if t not in late]
    keys = list(slots) + late
    if has_return:
        n_ret = cx.env.get("%rvn")
        arity = n_ret.value if isinstance(n_ret, Const) else _return_arity(body)
        cx.env.setdefault("%rvn", Const(arity))
        keys += [RET] + [f"%rv{k}" for k in range(max(arity, 1))]
    inits = [Const(None) if k in late else cx.env.get(k, missing(cx, k, cx.env)) for k in keys]
    for k, v in zip(keys, inits):
        if not isinstance(v, (Var, Const)):
            raise cx.error(s, f"{k!r} cannot be rebound inside a loop")
    params = [cx.namer.fresh(_result_base(k)) for k in keys]
    carries_list = [lists.is_list(cx, v) for v in inits]
    cx.aliases.lists.update(p for p, is_list in zip(params, carries_list) if is_list)
    loop_env = dict(cx.env)
    for k, p in zip(keys, params):
        loop_env[k] = Var(p)
    for a, c in share.items():
        loop_env[a] = loop_env[c]
    loop_env[BRK] = Const(False)
    loop_env[CONT] = Const(False)
    # What holds between carried arrays at the start of every iteration.
    graph = AliasGraph(cx.aliases.views)
    assumed: dict[tuple[str, str], Any] = {}
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            r = graph.relate(cx.env[a], cx.env[b])
            if r is not None and (a in rebound or b in rebound):
                r = weaken(r)
            if frozenset((a, b)) in copies:
                r = join(r, (SAME,))
            assumed[a, b] = r
            if r == (OPAQUE,) and _joined_by_slots(graph, cx.env, slots, a, b):
                continue  # the edges between the slots on the way are stated instead
            record(cx.aliases.views, loop_env[a].name, loop_env[b].name, r)
    cx.loop_depth += 1
    try:
        if bounds is not None:
            over_range = is_call_to(s.iter, "range") or (
                is_call_to(s.iter, "reversed") and is_call_to(s.iter.args[0], "range")
            )
            index = cx.namer.fresh(s.target.id if over_range else "i")
            with cx.scope.enter(loop_env, [index, *params]) as frame:
                bind(Var(index))
                run_statements(cx, body)
            blocks = [frame.block]
        else:
            with cx.scope.enter(loop_env, params) as head:
                cx.set_loc(s)
                head.block.results = [condition(cx, s.test)]
                with cx.scope.enter(head.env) as frame:
                    run_statements(cx, body)
            blocks = [head.block, frame.block]
    finally:
        cx.loop_depth -= 1
    out_env = frame.env
    with cx.scope.enter(out_env, block=frame.block):
        for k, is_list in zip(keys, carries_list):
            if is_list and not lists.is_list(cx, out_env.get(k)):  # rebound to a new list
                out_env[k] = lists.runtime(cx, out_env.get(k), s)
    yields = [out_env.get(k, missing(cx, k, loop_env)) for k in keys]
    for k, y in zip(keys, yields):
        if isinstance(y, Stale):  # the next iteration would read it
            raise cx.error(s, y.message.format(name=k))
    exit_flag = out_env.get(BRK, Const(False))
    exits = exit_flag != Const(False)
    frame.block.results = yields + ([exit_flag] if exits else [])
    check_followed(cx, s, loop_env, out_env, keys, share, local)
    results = [cx.namer.fresh(_result_base(k)) for k in keys]
    cx.set_loc(s)
    if bounds is not None:
        op = ForRange.new(
            results, bounds, inits, blocks[0], reverse=reverse, exits=exits, loc=cx.loc
        )
    else:
        op = While.new(results, inits, blocks[0], blocks[1], exits=exits, loc=cx.loc)
    cx.block.ops.append(op)
    cx.aliases.lists.update(r for r, is_list in zip(results, carries_list) if is_list)
    before = dict(cx.env)
    for k, r in zip(keys, results):
        cx.env[k] = Var(r)
    for a, c in share.items():
        cx.env[a] = cx.env[c]
    relate_results(cx, s, op, slots, touched, assumed, before, out_env)
    for t in local:
        cx.env[t] = LOOP_TARGET
    for t in late:
        cx.env[t] = MaybeUnbound(cx.env[t], t)
    if has_return and cx.loop_depth:
        brk = flag(cx, BRK)
        cx.env[BRK] = cx.env[RET] if brk == Const(False) else cx.emit("or_", [brk, cx.env[RET]])


def check_followed(
    cx: Context,
    s: gast.AST,
    loop_env: dict[str, Any],
    out_env: dict[str, Any],
    keys: list[str],
    share: dict[str, str],
    local: list[str],
) -> None:
    """Refuse a change the body made to a name that is not carried (a missed alias)."""
    for a, c in share.items():
        if out_env.get(a) != out_env.get(c):
            raise cx.error(
                s,
                f"{a!r} and {c!r} are the same array when the loop "
                "starts, and the loop rebinds one of them: copy it first "
                "(.copy()) so each has its own array",
            )
    skip = {*keys, *share, *local}
    for n, v in loop_env.items():
        if n in skip or n.startswith("%"):
            continue
        w = out_env.get(n)
        if w is v or (isinstance(v, (Var, Const)) and v == w):
            continue
        if isinstance(v, Pack):
            raise cx.error(
                s,
                f"{n!r} is a {v.kind} that this loop changes (or whose "
                "arrays it changes in place); adgen carries only arrays and "
                "numbers from one iteration to the next: keep the values in "
                "an array (np.stack them first), or change them after the loop",
            )
        raise cx.error(
            s,
            f"this loop changes {n!r} in place through a list, tuple or "
            "dict that holds it, which adgen cannot carry from one iteration "
            "to the next: write to the array by its own name, or take a copy "
            "(.copy()) before putting it in the container",
        )


def relate_results(
    cx: Context,
    s: gast.AST,
    op: ForRange | While,
    slots: list[str],
    touched: set[str],
    assumed: dict[tuple[str, str], Any],
    before: dict[str, Any],
    out_env: dict[str, Any],
) -> None:
    """Check that the body keeps the relations assumed between carried arrays, and
    state on the loop's results what holds after any number of iterations."""
    graph = AliasGraph(cx.aliases.views)
    inside = defines(op.body) + (defines(op.head) if isinstance(op, While) else [])
    for i, a in enumerate(slots):
        for b in slots[i + 1 :]:
            end = invariant(graph.relate(out_env[a], out_env[b]), inside)
            start = assumed[a, b]
            if not implies(end, start) and (a in touched or b in touched):
                raise cx.error(
                    s,
                    f"{a!r} and {b!r} may be the same array (or views "
                    "of one another) in some iterations of this loop and "
                    "not in others, and the loop changes one of them in "
                    "place: copy it first (.copy()) so each has its own "
                    "array",
                )
            post = join(start, end)
            if (
                post == (OPAQUE,)
                and _joined_by_slots(graph, before, slots, a, b)
                and _joined_by_slots(graph, out_env, slots, a, b)
            ):
                continue  # the edges between the slots on the way are stated instead
            record(cx.aliases.views, cx.env[a].name, cx.env[b].name, post)
    # Names the loop does not carry keep their value: relate results to them too.
    for a in slots:
        ya, xa = out_env[a], before[a]
        if not isinstance(ya, Var) and not isinstance(xa, Var):
            continue
        near = (graph.component(ya.name) if isinstance(ya, Var) else set()) | (
            graph.component(xa.name) if isinstance(xa, Var) else set()
        )
        for b, v in before.items():
            if (
                b in slots
                or b.startswith("%")
                or not isinstance(v, Var)
                or v.name not in near
                or cx.env.get(b) is not v
            ):
                continue
            end = invariant(graph.relate(ya, v), inside)
            record(cx.aliases.views, cx.env[a].name, v.name, join(graph.relate(xa, v), end))


def _joined_by_slots(
    graph: AliasGraph, env: dict[str, Any], slots: list[str], a: str, b: str
) -> bool:
    """Whether views join the values of ``a`` and ``b`` through the values of carried
    names only (each edge on the way is then stated between their parameters)."""
    inits = {env[n].name for n in slots if isinstance(env[n], Var)}
    start, goal = env[a], env[b]
    if not isinstance(start, Var) or not isinstance(goal, Var):
        return False
    seen, todo = {start.name}, [start.name]
    while todo:
        here = todo.pop()
        for other, info in graph.adjacent.get(here, ()):
            if other in inits and other not in seen and info.kind != "opaque":
                if other == goal.name:
                    return True
                seen.add(other)
                todo.append(other)
    return False


def _return_arity(body: list[gast.stmt]) -> int:
    for n in gast.walk(gast.Module(body=body, type_ignores=[])):
        if isinstance(n, gast.Return) and n.value is not None:
            return len(n.value.elts) if isinstance(n.value, gast.Tuple) else -1
    return -1
