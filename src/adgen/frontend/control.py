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

from typing import Any

import gast

from ..ir import Block, Const, If, Value, Var
from ..ir.util import defines
from .aliasing import AliasGraph, invariant, join, record
from .values import Multi, Pack

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
        if isinstance(s, gast.If) and (contains(s.body, kinds, into_loops)
                                       or contains(s.orelse, kinds, into_loops)):
            return True
        if into_loops and isinstance(s, (gast.For, gast.While)) and contains(
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


def is_call_to(node: gast.AST, name: str) -> bool:
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
        with self.scope.enter(env, params) as frame:
            self.run_statements(stmts)
        return frame.block, frame.env

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
            name = self.namer.fresh(FLAG_NAMES.get(key, "result" if key.startswith("%rv")
                                                    else key))
            results.append(name)
            then_block.results.append(tv)
            else_block.results.append(ev)
            self.env[key] = Var(name)
        op = If.new(results, cond, then_block, else_block, loc=self.loc)
        self.block.ops.append(op)
        self._relate_merged(op, before, then_env, else_env)

    def _relate_merged(self, op: If, before: dict[str, Any], then_env: dict[str, Any],
                       else_env: dict[str, Any]) -> None:
        """State what may share memory after the if: what does on either path."""
        changed = [k for k in self.env if not k.startswith("%") and isinstance(
            self.env[k], Var) and self.env[k].name in op.results]
        if not changed:
            return
        graph = AliasGraph(self.views)
        if not any(isinstance(e.get(k), Var) and e[k].name in graph.adjacent
                   for k in changed for e in (then_env, else_env)):
            return
        inside = defines(op.then) + defines(op.orelse)
        names = [k for k, v in self.env.items() if not k.startswith("%") and isinstance(v, Var)]
        done: set[tuple[str, str]] = set()
        for a in changed:
            for b in names:
                pair = (a, b) if a < b else (b, a)
                if b == a or pair in done:
                    continue
                done.add(pair)
                r = join(graph.relate(then_env.get(a), then_env.get(b)),
                         graph.relate(else_env.get(a), else_env.get(b)))
                if r is not None:
                    record(self.views, self.env[a].name, self.env[b].name,
                           invariant(r, inside))

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
        blocks = []
        for branch in (node.body, node.orelse):
            with self.scope.enter(self.env, block=Block()) as frame:
                frame.block.results = [self.value(branch)]
            blocks.append(frame.block)
        name = self.namer.fresh("t")
        self.block.ops.append(If.new([name], cond, blocks[0], blocks[1], loc=self.loc))
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
