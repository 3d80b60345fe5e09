"""Lowering of control flow: if/elif/else, for, while, break, continue, return.

What it leaves in the IR (see :mod:`adgen.primitives.control` for the ops):

* An ``if`` statement becomes an ``if`` op whose results are the variables
  either branch (re)binds. A conditional expression is an ``if`` op too.
* A loop becomes a ``for_range`` or ``while`` op; the variables the body
  rebinds that exist before the loop (or are used after it) are loop-carried.
  ``for`` over an array, ``enumerate``, ``zip`` and ``reversed`` become a
  ``for_range`` over indices whose body starts by taking rows.
* ``break``, ``continue`` and ``return`` inside loops become flags: the code
  after a statement that may have set one runs under an ``if`` on the flags,
  and a loop whose body may break yields an exit flag.
* Before lowering, ``if`` statements one of whose branches always returns
  take the statements after them into their other branch, so the early
  returns people write come out as plain ``if``/``else``.
"""

from __future__ import annotations

import copy
from typing import Any

import gast

from ..ir import Block, Const, Op, Value, Var

# Keys of the flags and return values lowering keeps in the environment.
RET, BRK, CONT = "%ret", "%brk", "%cont"
FLAGS = (RET, BRK, CONT)
_FLAG_NAMES = {RET: "returned", BRK: "stop", CONT: "skip"}


class _LoopTarget:
    """Marks a loop variable after its loop: using it there is refused."""


LOOP_TARGET = _LoopTarget()


class _OneBranch:
    """Marks a name an if binds on one path only: using it after the if is refused."""


ONE_BRANCH = _OneBranch()


def always_returns(stmts: list[gast.stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    return isinstance(last, gast.If) and always_returns(last.body) and always_returns(
        last.orelse)


def _may_return(stmts: list[gast.stmt]) -> bool:
    """Whether some path through ``stmts`` (not entering loops) ends in a return."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, gast.Return):
        return True
    return isinstance(last, gast.If) and (_may_return(last.body) or _may_return(last.orelse))


def _append_to_open_paths(stmts: list[gast.stmt], rest: list[gast.stmt]) -> list[gast.stmt]:
    """``stmts`` with ``rest`` added at the end of every path that does not return."""
    if always_returns(stmts):
        return stmts
    last = stmts[-1] if stmts else None
    if isinstance(last, gast.If) and _may_return(last.body + last.orelse):
        last.body = _append_to_open_paths(last.body, rest)
        last.orelse = _append_to_open_paths(last.orelse, rest)
        return stmts
    return stmts + [copy.deepcopy(s) for s in rest]


_SMALL_TAIL = 60  # AST nodes: a tail this small may be copied into each open path


def hoist_returns(stmts: list[gast.stmt]) -> list[gast.stmt]:
    """Move the statements after an if that may return into the paths that do not.

    With one returning branch the rest moves into the other branch; when
    returns sit deeper (``elif`` chains), a small rest is copied into every
    path that does not return. Larger ones are left to the return flag.
    """
    out: list[gast.stmt] = []
    for k, s in enumerate(stmts):
        if isinstance(s, gast.If):
            s.body = hoist_returns(s.body)
            s.orelse = hoist_returns(s.orelse)
            rest = stmts[k + 1:]
            if rest and _may_return([s]) and not always_returns([s]):
                size = sum(1 for r in rest for _ in gast.walk(r))
                body_returns, else_returns = always_returns(s.body), always_returns(s.orelse)
                if body_returns != else_returns:
                    if body_returns:
                        s.orelse = hoist_returns(s.orelse + rest)
                    else:
                        s.body = hoist_returns(s.body + rest)
                    out.append(s)
                    return out
                if size <= _SMALL_TAIL:
                    out.append(_append_to_open_paths([s], hoist_returns(rest))[0])
                    return out
        out.append(s)
    return out


def _stored_names(stmts: list[gast.stmt]) -> list[str]:
    """Names a statement list assigns, in order of first appearance."""
    seen: dict[str, None] = {}
    for s in stmts:
        for n in gast.walk(s):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                seen.setdefault(n.id, None)
    return list(seen)


def _contains(stmts: list[gast.stmt], kinds: tuple[type, ...], into_loops: bool) -> bool:
    for s in stmts:
        if isinstance(s, kinds):
            return True
        if isinstance(s, gast.If) and (_contains(s.body, kinds, into_loops)
                                       or _contains(s.orelse, kinds, into_loops)):
            return True
        if into_loops and isinstance(s, (gast.For, gast.While)) and _contains(
                s.body, kinds, into_loops):
            return True
    return False


def _has_containers(tree: Any) -> bool:
    """Whether a result tree (see adgen.trees) holds a list or dict anywhere."""
    if tree is None:
        return False
    kind, *rest = tree
    if kind in ("list", "dict"):
        return True
    return any(_has_containers(t) for t in rest[-1])


def _walk_ops(block: Block) -> Any:
    for op in block.ops:
        yield op
        for b in op.blocks:
            yield from _walk_ops(b)


def _is_call_to(node: gast.AST, name: str) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
        node.func.id == name


class ControlFlowLowering:
    """Mixin for :class:`adgen.frontend.lower.Lowerer`: statements with control flow."""

    env: dict[str, Any]
    block: Block
    loop_depth: int = 0

    # ------------------------------------------------------- sequencing
    def run_statements(self, stmts: list[gast.stmt]) -> None:
        """Lower ``stmts`` in the current block, honouring exits by flag."""
        for k, s in enumerate(stmts):
            if self.exited():
                raise self.error(s, "this code is never run (it follows a return, break or "
                                 "continue); remove it")
            self.set_loc(s)
            self.statement(s)
            rest = stmts[k + 1:]
            if rest and not self.exited() and self.maybe_exited():
                self.guard(rest)
                return

    def flag(self, key: str) -> Value:
        v = self.env.get(key, Const(False))
        return v

    def exited(self) -> bool:
        return any(self.flag(k) == Const(True) for k in FLAGS)

    def maybe_exited(self) -> bool:
        return any(isinstance(self.flag(k), Var) for k in FLAGS)

    def guard(self, rest: list[gast.stmt]) -> None:
        """Lower ``rest`` under ``if not (flags)``, merging what it binds."""
        raised = [k for k in FLAGS if isinstance(self.flag(k), Var)]
        cond: Value = self.flag(raised[0])
        for k in raised[1:]:
            cond = self.emit("or_", [cond, self.flag(k)])
        then_env = dict(self.env)
        if raised == [RET]:
            then_env[RET] = Const(True)
        else_env = dict(self.env)
        for k in raised:
            else_env[k] = Const(False)
        then_block = Block()
        else_block, else_env = self.lower_block(rest, else_env)
        self.merge_if(cond, then_block, then_env, else_block, else_env)

    def lower_block(self, stmts: list[gast.stmt], env: dict[str, Any],
                    params: list[str] | None = None) -> tuple[Block, dict[str, Any]]:
        """Lower ``stmts`` into a new block starting from ``env``."""
        saved_block, saved_env, saved_loc = self.block, self.env, self.loc
        self.block = Block(params=list(params or []))
        self.env = dict(env)
        try:
            self.run_statements(stmts)
            return self.block, self.env
        finally:
            out_block = self.block
            self.block, self.env, self.loc = saved_block, saved_env, saved_loc
            del out_block

    # ------------------------------------------------------------ if
    def merge_if(self, cond: Value, then_block: Block, then_env: dict[str, Any],
                 else_block: Block, else_env: dict[str, Any]) -> None:
        """Emit an ``if`` op whose results rebind what differs between the branches."""
        before = self.env
        keys = list(dict.fromkeys([*then_env, *else_env]))
        results: list[str] = []
        for key in keys:
            if key == "%rvn":
                known = [e[key] for e in (then_env, else_env) if key in e]
                self.env[key] = known[0]
                continue
            if key not in before and not key.startswith("%") and (
                    key not in then_env or key not in else_env):
                # Bound on one path only: Python would raise NameError on the other.
                self.env[key] = ONE_BRANCH
                continue
            tv = then_env.get(key, self._missing(key, before))
            ev = else_env.get(key, self._missing(key, before))
            if tv == ev and type(tv) is type(ev):
                self.env[key] = tv
                continue
            if not isinstance(tv, (Var, Const)) or not isinstance(ev, (Var, Const)):
                if tv is LOOP_TARGET or ev is LOOP_TARGET:
                    self.env[key] = LOOP_TARGET
                    continue
                if tv is ONE_BRANCH or ev is ONE_BRANCH:
                    self.env[key] = ONE_BRANCH
                    continue
                raise self.error(None, f"{key!r} denotes different functions or modules in "
                                 "the branches of an if; bind it before the if")
            name = self.namer.fresh(_FLAG_NAMES.get(key, "result" if key.startswith("%rv")
                                                    else key))
            results.append(name)
            then_block.results.append(tv)
            else_block.results.append(ev)
            self.env[key] = Var(name)
        self.block.ops.append(Op(results, "if", [cond], {}, self.loc,
                                 [then_block, else_block]))

    def _missing(self, key: str, before: dict[str, Any]) -> Any:
        if key in before:
            return before[key]
        return Const(False) if key in FLAGS else Const(None)

    def stmt_If(self, s: gast.If) -> None:
        cond = self.condition(s.test)
        then_block, then_env = self.lower_block(s.body, self.env)
        else_block, else_env = self.lower_block(s.orelse, self.env)
        self.set_loc(s)
        self.merge_if(cond, then_block, then_env, else_block, else_env)

    def condition(self, node: gast.AST) -> Value:
        return self.value(node)

    def expr_IfExp(self, node: gast.IfExp) -> Value:
        cond = self.value(node.test)
        results = []
        for branch in (node.body, node.orelse):
            saved = self.block
            self.block = Block()
            v = self.value(branch)
            self.block.results = [v]
            results.append(self.block)
            self.block = saved
        name = self.namer.fresh("t")
        self.block.ops.append(Op([name], "if", [cond], {}, self.loc, results))
        return Var(name)

    def expr_BoolOp(self, node: gast.BoolOp) -> Value:
        prim = "and_" if isinstance(node.op, gast.And) else "or_"
        out = self.value(node.values[0])
        for v in node.values[1:]:
            out = self.emit(prim, [out, self.value(v)])
        return out

    # ---------------------------------------------------------- exits
    def stmt_Break(self, s: gast.Break) -> None:
        if not self.loop_depth:
            raise self.error(s, "break outside a loop")
        self.env[BRK] = Const(True)

    def stmt_Continue(self, s: gast.Continue) -> None:
        if not self.loop_depth:
            raise self.error(s, "continue outside a loop")
        self.env[CONT] = Const(True)

    def stmt_Return(self, s: gast.Return) -> None:
        if s.value is None:
            raise self.error(s, "return needs a value to differentiate")
        from .user_calls import Multi
        from .values import Pack

        value = self.live(self.expr(s.value), s.value)
        if isinstance(value, Multi):
            values: list[Value] = list(value.values)
            arity = len(values)
            structure, tree = tuple(range(arity)), None
        elif isinstance(value, Pack):
            values = []
            structure, tree = self._flatten_result(value, values, s.value)
            arity = len(values)
            if not _has_containers(tree):
                tree = None
        else:
            values = [self._as_value(s.value, value)]
            arity, structure, tree = -1, None, None
        if self.env.get("%rvn") is not None and (structure, tree) != (
                self.result_structure, self.result_tree):
            raise self.error(s, "every return must give values of the same structure")
        self.result_structure, self.result_tree = structure, tree
        known = self.env.get("%rvn")
        if isinstance(known, Const) and known.value != arity:
            raise self.error(s, "every return must give the same number of values")
        self.env["%rvn"] = Const(arity)
        for k, v in enumerate(values):
            self.env[f"%rv{k}"] = v
        self.env[RET] = Const(True)
        if self.loop_depth:
            self.env[BRK] = Const(True)

    def _as_value(self, node: gast.AST, lowered: Any) -> Value:
        return self.as_value(lowered, node)

    # ---------------------------------------------------------- loops
    def stmt_For(self, s: gast.For) -> None:
        if s.orelse:
            raise self.error(s, "for/else is not supported: use a flag variable")
        start, stop, step, reverse, bind = self.iteration(s)
        self.loop(s, s.body, [start, stop, step], {"reverse": reverse}, bind)

    def stmt_While(self, s: gast.While) -> None:
        if s.orelse:
            raise self.error(s, "while/else is not supported: use a flag variable")
        self.loop(s, s.body, None, {}, None)

    def iteration(self, s: gast.For) -> tuple[Value, Value, Value, bool, Any]:
        """(start, stop, step, reverse, bind) for a for statement; ``bind(i)``
        assigns the loop target inside the body, given the index variable."""
        it, target = s.iter, s.target
        reverse = False
        if _is_call_to(it, "reversed") and len(it.args) == 1:
            reverse, it = True, it.args[0]
        if _is_call_to(it, "range") and self._is_builtin("range"):
            args = [self.value(a) for a in it.args]
            if not 1 <= len(args) <= 3:
                raise self.error(it, "range takes 1 to 3 arguments")
            start, stop, step = ([Const(0), args[0], Const(1)] if len(args) == 1 else
                                 [args[0], args[1], Const(1)] if len(args) == 2 else args)
            if not isinstance(target, gast.Name):
                raise self.error(target, "the target of a for over range must be a name")

            def bind_index(i: Var) -> None:
                self.env[target.id] = i

            return start, stop, step, reverse, bind_index
        if _is_call_to(it, "enumerate") and self._is_builtin("enumerate"):
            if len(it.args) != 1 or not (isinstance(target, gast.Tuple) and len(target.elts)
                                         == 2 and all(isinstance(e, gast.Name)
                                                      for e in target.elts)):
                raise self.error(s, "use the form: for i, row in enumerate(array)")
            seq = self.value(it.args[0])
            n = self.emit("len", [seq])

            def bind_enum(i: Var) -> None:
                self.env[target.elts[0].id] = i
                self.env[target.elts[1].id] = self.emit("row", [seq, i],
                                                        base=target.elts[1].id)

            return Const(0), n, Const(1), reverse, bind_enum
        if _is_call_to(it, "zip") and self._is_builtin("zip"):
            if not (isinstance(target, gast.Tuple) and len(target.elts) == len(it.args)
                    and all(isinstance(e, gast.Name) for e in target.elts)):
                raise self.error(s, "use the form: for a, b in zip(xs, ys)")
            seqs = [self.value(a) for a in it.args]
            n: Value = self.emit("len", [seqs[0]])
            for q in seqs[1:]:
                n = self.emit("minimum", [n, self.emit("len", [q])])

            def bind_zip(i: Var) -> None:
                for e, q in zip(target.elts, seqs):
                    self.env[e.id] = self.emit("row", [q, i], base=e.id)

            return Const(0), n, Const(1), reverse, bind_zip
        if not isinstance(target, gast.Name):
            raise self.error(target, "unpacking rows in a for target is not supported; "
                             "index the row inside the loop")
        seq = self.value(it)
        n = self.emit("len", [seq])

        def bind_row(i: Var) -> None:
            self.env[target.id] = self.emit("row", [seq, i], base=target.id)

        return Const(0), n, Const(1), reverse, bind_row

    def _is_builtin(self, name: str) -> bool:
        import builtins

        if name in self.env:
            return False
        found, obj = self.p.lookup(name)
        return found and obj is getattr(builtins, name)

    def loop(self, s: gast.AST, body: list[gast.stmt], bounds: list[Value] | None,
             attrs: dict[str, Any], bind: Any) -> None:
        """Lower a for (``bounds`` given) or while loop."""
        stored = _stored_names(body)
        targets = set(_stored_names([gast.Assign(targets=[s.target], value=None,
                                                 type_comment=None)])) if bounds else set()
        carried = [n for n in stored if n not in targets and isinstance(
            self.env.get(n), (Var, Const))]
        # Writes into arrays (y[i] = v) rebind y and every name bound to the same
        # array: find those by lowering the body once on trial. Names bound to the
        # same array as a carried name when the loop starts share its slot.
        aliases: dict[str, str] = {}
        for _ in range(3):
            aliases = self._aliases(carried, targets)
            rebound, split = self._rebound_in_body(s, body, bounds, bind, carried, aliases)
            if split:
                raise self.error(s, f"{split[0]!r} and {split[1]!r} are the same array when "
                                 "the loop starts, and the loop rebinds one of them: copy it "
                                 "first (.copy()) so each has its own array")
            new = [n for n in rebound if n not in carried and n not in targets
                   and n not in aliases and isinstance(self.env.get(n), (Var, Const))]
            # Of several names bound to one array, the first is carried, the rest alias it.
            inits = {self.env[c] for c in carried if isinstance(self.env[c], Var)}
            fresh: list[str] = []
            for n in new:
                if not (isinstance(self.env[n], Var) and self.env[n] in inits):
                    fresh.append(n)
                    if isinstance(self.env[n], Var):
                        inits.add(self.env[n])
            if not fresh:
                break
            carried.extend(fresh)
        local = [n for n in stored if n not in targets and n not in carried
                 and n not in aliases]
        has_return = _contains(body, (gast.Return,), into_loops=True)
        keys = list(carried)
        if has_return:
            n_ret = self.env.get("%rvn")
            arity = n_ret.value if isinstance(n_ret, Const) else self._return_arity(body)
            self.env.setdefault("%rvn", Const(arity))
            keys += [RET] + [f"%rv{k}" for k in range(max(arity, 1))]
        inits = [self.env.get(k, self._missing(k, self.env)) for k in keys]
        for k, v in zip(keys, inits):
            if not isinstance(v, (Var, Const)):
                raise self.error(s, f"{k!r} cannot be rebound inside a loop")
        params = [self.namer.fresh(_FLAG_NAMES.get(k, "result" if k.startswith("%rv") else k))
                  for k in keys]
        loop_env = dict(self.env)
        for k, p in zip(keys, params):
            loop_env[k] = Var(p)
        for a, c in aliases.items():
            loop_env[a] = loop_env[c]
        loop_env[BRK] = Const(False)
        loop_env[CONT] = Const(False)
        self.loop_depth += 1
        try:
            if bounds is not None:
                over_range = _is_call_to(s.iter, "range") or (
                    _is_call_to(s.iter, "reversed") and _is_call_to(s.iter.args[0], "range"))
                index = self.namer.fresh(s.target.id if over_range else "i")
                blocks, exits = self._for_body(body, loop_env, [index, *params], keys, bind)
                results = [self.namer.fresh(_FLAG_NAMES.get(k, "result" if k.startswith(
                    "%rv") else k)) for k in keys]
                self.set_loc(s)
                self.block.ops.append(Op(results, "for_range", [*bounds, *inits],
                                         {**attrs, "exits": exits} if exits else attrs,
                                         self.loc, blocks))
            else:
                blocks = self._while_blocks(s, body, loop_env, params, keys)
                results = [self.namer.fresh(_FLAG_NAMES.get(k, "result" if k.startswith(
                    "%rv") else k)) for k in keys]
                exits = len(blocks[1].results) > len(keys)
                self.set_loc(s)
                self.block.ops.append(Op(results, "while", list(inits),
                                         {"exits": True} if exits else {}, self.loc, blocks))
        finally:
            self.loop_depth -= 1
        for k, r in zip(keys, results):
            self.env[k] = Var(r)
        for a, c in aliases.items():
            self.env[a] = self.env[c]
        for t in [*targets, *local]:
            self.env[t] = LOOP_TARGET
        if has_return and self.loop_depth:
            brk = self.flag(BRK)
            self.env[BRK] = self.env[RET] if brk == Const(False) else self.emit(
                "or_", [brk, self.env[RET]])

    def _aliases(self, carried: list[str], targets: set[str]) -> dict[str, str]:
        """Names (not carried) bound to the same value as a carried name: name -> it."""
        inits = {}
        for c in carried:
            v = self.env.get(c)
            if isinstance(v, Var):
                inits.setdefault(v.name, c)
        return {k: inits[v.name] for k, v in self.env.items()
                if not k.startswith("%") and k not in carried and k not in targets
                and isinstance(v, Var) and v.name in inits}

    def _rebound_in_body(self, s: gast.AST, body: list[gast.stmt], bounds: Any, bind: Any,
                         carried: list[str], aliases: dict[str, str]
                         ) -> tuple[list[str], tuple[str, str] | None]:
        """(names whose binding one pass of the body changes, an alias pair the body
        splits), found by a trial lowering whose ops and names are thrown away."""
        saved = (self.block, self.env, self.loc, copy.deepcopy(self.namer),
                 dict(self.freevars), self.loop_depth)
        try:
            env = dict(self.env)
            for n in carried:
                env[n] = Var(self.namer.fresh(n))
            for a, c in aliases.items():
                env[a] = env[c]
            env[BRK] = Const(False)
            env[CONT] = Const(False)
            self.block = Block(params=[])
            self.env = env
            self.loop_depth += 1
            if bounds is not None:
                bind(Var(self.namer.fresh("i")))
            else:
                self.condition(s.test)  # type: ignore[attr-defined]
            before = dict(self.env)
            self.run_statements(body)
            after = self.env
            rebound = [k for k, v in after.items()
                       if not k.startswith("%") and k in before and v is not before[k]
                       and not (isinstance(v, (Var, Const)) and v == before[k])]
            written = {a.name for op in _walk_ops(self.block) if op.prim == "setitem"
                       for a in op.args[:1] if isinstance(a, Var)}
            split = None
            for a, c in list(aliases.items()):
                if after.get(a) != after.get(c):
                    if env[c].name in written:  # type: ignore[union-attr]
                        split = (a, c)  # one array, written in place, seen by two names
                    else:
                        del aliases[a]  # plain rebinding: the other name keeps the array
            return rebound, split
        finally:
            (self.block, self.env, self.loc, self.namer, self.freevars,
             self.loop_depth) = saved

    def _return_arity(self, body: list[gast.stmt]) -> int:
        for n in gast.walk(gast.Module(body=body, type_ignores=[])):
            if isinstance(n, gast.Return) and n.value is not None:
                return len(n.value.elts) if isinstance(n.value, gast.Tuple) else -1
        return -1

    def _for_body(self, body: list[gast.stmt], env: dict[str, Any], params: list[str],
                  keys: list[str], bind: Any) -> tuple[list[Block], bool]:
        saved_block, saved_env = self.block, self.env
        self.block = Block(params=params)
        self.env = env
        try:
            bind(Var(params[0]))
            self.run_statements(body)
            block, out_env = self.block, self.env
        finally:
            self.block, self.env = saved_block, saved_env
        block.results = [out_env.get(k, self._missing(k, env)) for k in keys]
        exit_flag = out_env.get(BRK, Const(False))
        exits = exit_flag != Const(False)
        if exits:
            block.results.append(exit_flag)
        return [block], exits

    def _while_blocks(self, s: gast.While, body: list[gast.stmt], env: dict[str, Any],
                      params: list[str], keys: list[str]) -> list[Block]:
        saved_block, saved_env = self.block, self.env
        self.block = Block(params=params)
        self.env = env
        try:
            self.set_loc(s)
            flag = self.condition(s.test)
            cond_block = self.block
            cond_block.results = [flag]
            self.block = Block()
            self.run_statements(body)
            body_block, out_env = self.block, self.env
        finally:
            self.block, self.env = saved_block, saved_env
        body_block.results = [out_env.get(k, self._missing(k, env)) for k in keys]
        exit_flag = out_env.get(BRK, Const(False))
        if exit_flag != Const(False):
            body_block.results.append(exit_flag)
        return [cond_block, body_block]
