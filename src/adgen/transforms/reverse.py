"""Reverse mode: a forward sweep, then a reverse sweep that accumulates adjoints.

``reverse(fn, wrt, seed)`` returns a function of the primal parameters that
computes ``fn``'s ops (the forward sweep), then, walking them backwards, the
adjoint ``bx`` of every active value ``x`` (the reverse sweep), and returns the
adjoints of the ``wrt`` parameters. With ``seed="cotangent"`` it takes one more
parameter, the cotangent of the result (a VJP); with ``seed="one"`` the result
must be a scalar and is seeded with 1 (a gradient), and the function returns
``(value, gradient)``.

Control flow: the adjoint of an ``if`` is an ``if`` on the same condition whose
branches hold the adjoints of the forward branches. The adjoint of a loop is a
loop over the same iterations in reverse order, carrying the adjoints of the
carried values and of the outer values the body reads. The forward loop pushes
onto a tape (a Python list) exactly the values of each iteration that the
adjoint body reads, and the reverse loop pops them; loops that can ``break``
(and ``while`` loops) also count their iterations.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from ..analysis.activity import active, diff_positions, loop_slots
from ..errors import DifferentiationError
from ..ir import Block, Const, Function, Namer, Op, Value, Var, flatten_structure
from ..primitives import PRIMITIVES
from .common import attrs_of, emit_one, namer_for, run_rule, shift_structure, stem

_TEMP = re.compile(r"^t\d+(_\d+)?$")


def reverse(fn: Function, wrt: list[str], seed: Literal["cotangent", "one"],
            as_tuple: bool = False, packed: bool = True) -> Function:
    """The adjoint (VJP or gradient) function of ``fn`` with respect to ``wrt``.

    The gradients come back as a tuple if there are several or ``as_tuple``.
    The cotangent of a tuple result is one tuple parameter if ``packed``, else
    one parameter per element (how derivatives of callees are called).
    """
    namer = namer_for(fn)
    ops: list[Op] = list(fn.body.ops)
    structure = fn.result_structure()
    leaves = flatten_structure(structure)
    results = [fn.body.results[i] for _, i in leaves]
    if seed == "one":
        if isinstance(structure, tuple):
            raise DifferentiationError(
                f"grad needs a function with a scalar output, but {fn.name} returns a "
                "tuple; use vjp with a cotangent for each output, or jacobian")
        if isinstance(results[0], Var):
            check, checked = emit_one(namer, "scalar_output", [results[0]],
                                      _output_name(stem(namer, results[0].name)), "")
            ops.append(check)
            results = [checked]
    body = Function(fn.name, fn.params, Block(ops=ops, results=results), freevars=fn.freevars)
    rev = Adjoints(namer, active(body, wrt))
    rev.program = fn.program
    sweep: list[Op] = []
    adj: dict[str, Value] = {}

    cot_params: list[str] = []
    seed_links: list[tuple[str, str]] = []
    pack = seed == "cotangent" and isinstance(structure, tuple) and packed
    if pack:
        packed_name = namer.fresh("bout")
        cot_params.append(packed_name)
    for (path, _), v in zip(leaves, results):
        vstem = stem(namer, v.name) if isinstance(v, Var) and not _TEMP.match(v.name) \
            else "out"
        if seed == "one":
            seed_value: Value = Const(1.0)
        elif pack:
            seed_value = Var(packed_name)
            for k, index in enumerate(path):
                item, seed_value = emit_one(
                    namer, "item", [seed_value], "b" + vstem if k == len(path) - 1 else "t",
                    "adjoint", index=index)
                sweep.append(item)
        else:
            c = namer.fresh("b" + vstem)
            cot_params.append(c)
            seed_value = Var(c)
        if isinstance(v, Var) and v.name in rev.act:
            rev.accumulate(adj, v.name, seed_value, sweep, None)
        if isinstance(v, Var) and isinstance(seed_value, Var):
            seed_links.append((seed_value.name, v.name))

    sweep.extend(rev.sweep(ops, adj))
    grads: list[Value] = []
    for p in wrt:
        g = adj.get(p)
        if g is None or isinstance(g, Const) and g.value == 0:
            zop, g = emit_one(namer, "zero", [Var(p)], "b" + stem(namer, p), "adjoint")
            sweep.append(zop)
        grads.append(g)
    grad_structure = tuple(range(len(grads))) if len(wrt) > 1 or as_tuple else 0
    if seed == "one":
        out_results = results + grads
        out_structure = (0, shift_structure(grad_structure, 1))
        name = fn.name + "_grad"
    else:
        out_results = grads
        out_structure = grad_structure
        name = fn.name + "_vjp"
    return Function(
        name=name,
        params=list(fn.params) + cot_params,
        body=Block(ops=ops + sweep, results=out_results),
        freevars=dict(fn.freevars),
        filename=fn.filename,
        doc=fn.doc,
        structure=out_structure,
        defaults=fn.defaults if seed == "one" else (),
        families=dict(namer.family),
        shape_links=fn.shape_links + rev.links + seed_links,
        program=fn.program,
    )


def _output_name(name: str) -> str:
    """The name of a checked scalar output: the user's name, else ``value``."""
    return "value" if _TEMP.match(name) else name


# ------------------------------------------------------------------ helpers


def _defined(block: Block) -> list[str]:
    """Names a block defines (parameters and op results, nested blocks too), in order."""
    out = list(block.params)
    for op in block.ops:
        for b in op.blocks:
            out.extend(_defined(b))
        out.extend(op.results)
    return out


def _reads(ops: list[Op]) -> set[str]:
    """Names read by ``ops`` (and their nested blocks)."""
    out: set[str] = set()
    for op in ops:
        out.update(a.name for a in op.args if isinstance(a, Var))
        for b in op.blocks:
            out.update(_reads(b.ops))
            out.update(v.name for v in b.results if isinstance(v, Var))
    return out


def _rename(ops: list[Op], mapping: dict[str, str]) -> None:
    """Replace uses of the names in ``mapping`` (in place, nested blocks too)."""
    if not mapping:
        return
    for op in ops:
        op.args = [Var(mapping[a.name]) if isinstance(a, Var) and a.name in mapping else a
                   for a in op.args]
        for b in op.blocks:
            _rename(b.ops, mapping)
            b.results = [Var(mapping[v.name]) if isinstance(v, Var) and v.name in mapping
                         else v for v in b.results]


def _scatters(ops: list[Op], value: Value, like: str, readers_ok: int = 0
              ) -> list[Op] | None:
    """The ops that build ``value`` as a sum of ``scatter_add(g, like, ...)`` (the
    scatters, then the adds), if nothing else in ``ops`` reads what they compute."""
    if not isinstance(value, Var):
        return None
    op = next((o for o in ops if o.results == [value.name]), None)
    if op is None:
        return None
    readers = sum(1 for o in ops for a in o.args if a == value)
    if any(value.name in _reads(b.ops) or value in b.results for o in ops for b in o.blocks):
        return None
    if op.prim == "scatter_add" and op.args[1] == Var(like) and readers == readers_ok:
        return [op]
    if op.prim == "add" and readers == readers_ok:
        parts = []
        for a in op.args:
            inner = _scatters(ops, a, like, 1)
            if inner is None:
                return None
            parts.extend(inner)
        return parts + [op]
    return None




def _shape_only(ops: list[Op], name: str) -> bool:
    """Whether ``ops`` read ``name`` only where a helper wants a shape."""
    for o in ops:
        for k, a in enumerate(o.args):
            if a == Var(name) and k not in PRIMITIVES[o.prim].shape_only:
                return False
        for b in o.blocks:
            if not _shape_only(b.ops, name) or Var(name) in b.results:
                return False
    return True


def _shape_from_init(op: Op, rev: list[Op], carried: list[str], inits: list[Value],
                     nexts: list[Value]) -> None:
    defs = {r: o for b in op.blocks for o in b.ops for r in o.results}
    for c, init, nxt in zip(carried, inits, nexts):
        if not isinstance(init, Var) or not _shape_only(rev, c):
            continue
        v = nxt
        while isinstance(v, Var) and v.name in defs and defs[v.name].prim == "setitem":
            v = defs[v.name].args[0]
        if v == Var(c):
            _rename(rev, {c: init.name})


class Adjoints:
    """Builds the reverse sweep of one function."""

    def __init__(self, namer: Namer, act: set[str]) -> None:
        self.namer = namer
        self.act = act
        self.loop_depth = 0
        self.program: Any = None
        # (adjoint, primal) pairs: an adjoint has its primal's shape.
        self.links: list[tuple[str, str]] = []

    def link(self, adjoint: Value | str, primal: str) -> None:
        name = adjoint.name if isinstance(adjoint, Var) else adjoint
        if isinstance(name, str):
            self.links.append((name, primal))

    def bname(self, name: str) -> str:
        return "b" + stem(self.namer, name)

    def zero(self, v: Value, out: list[Op]) -> Value:
        if isinstance(v, Const):
            return Const(0.0)
        op, z = emit_one(self.namer, "zero", [v], self.bname(v.name), "adjoint")
        out.append(op)
        return z

    def accumulate(self, adj: dict[str, Value], name: str, value: Value | None,
                   out: list[Op], loc: object) -> None:
        if value is None:
            return
        if isinstance(value, Var):
            self.link(value, name)
        if name not in adj:
            adj[name] = value
            return
        op, total = emit_one(self.namer, "add", [adj[name], value], self.bname(name),
                             "adjoint", loc)  # type: ignore[arg-type]
        out.append(op)
        adj[name] = total
        self.link(total, name)

    def sweep(self, ops: list[Op], adj: dict[str, Value]) -> list[Op]:
        """The adjoint ops of ``ops`` (walked backwards), accumulating into ``adj``.

        May insert ops into ``ops`` (tapes before loops that need them).
        """
        out: list[Op] = []
        before: dict[int, list[Op]] = {}
        for op in reversed(list(ops)):
            if op.prim == "if":
                out.extend(self.if_op(op, adj))
            elif op.prim in ("for_range", "while"):
                pre, rev = self.loop_op(op, adj)
                if pre:
                    before[id(op)] = pre
                out.extend(rev)
            elif op.prim == "call":
                out.extend(self.call_op(op, adj))
            elif op.prim in ("tape_new", "tape_push", "tape_pop"):
                if any(r in self.act for r in op.results) or (
                        op.args and isinstance(op.args[0], Var) and op.args[0].name in self.act):
                    raise DifferentiationError(
                        "reverse mode over reverse-mode code with loops is not supported; "
                        "use hessian (forward over reverse) or jvp of the gradient")
            else:
                out.extend(self.primitive(op, adj))
        if before:
            ops[:] = [x for op in ops for x in (*before.get(id(op), ()), op)]
        return out

    def primitive(self, op: Op, adj: dict[str, Value]) -> list[Op]:
        out: list[Op] = []
        result = op.results[0] if op.results else None
        if result is None or result not in adj or result not in self.act:
            return out
        prim = PRIMITIVES[op.prim]
        for i in diff_positions(op):
            a = op.args[i]
            if not (isinstance(a, Var) and a.name in self.act):
                continue
            rule = prim.vjp_rule(i)
            g = adj[result]

            def build(b, rule=rule, g=g):
                return rule(b.sym(g), b.sym(Var(result)), *[b.sym(x) for x in op.args],
                            **attrs_of(op))

            base = self.bname(a.name) if a.name not in adj else "t"
            new_ops, value = run_rule(self.namer, op.loc, base, "adjoint", build)
            out.extend(new_ops)
            self.accumulate(adj, a.name, value, out, op.loc)
        return out

    def call_op(self, op: Op, adj: dict[str, Value]) -> list[Op]:
        """``y = f(x)`` gets ``bx = f_vjp(x, by)`` in the reverse sweep.

        The callee's VJP runs the callee's forward sweep again itself, so the
        caller keeps nothing of the call on its own tape.
        """
        if not any(r in adj and r in self.act for r in op.results):
            return []
        active = [i for i, a in enumerate(op.args) if isinstance(a, Var) and a.name in self.act]
        if not active:
            return []
        out: list[Op] = []
        callee = self.program.functions[op.attrs["fn"]]
        wrt = tuple(callee.params[i] for i in active)
        vjp_name = self.program.derivative(op.attrs["fn"], "vjp", wrt)
        cots = [adj[r] if r in adj else self.zero(Var(r), out) for r in op.results]
        grads = [self.namer.fresh(self.bname(op.args[i].name)  # type: ignore[union-attr]
                                  if op.args[i].name not in adj else "t")  # type: ignore
                 for i in active]
        if len({op.args[i].name for i in active}) < len(active):  # type: ignore[union-attr]
            grads = [self.namer.fresh("t") for _ in active]
        attrs = {"fn": vjp_name, "structure": tuple(range(len(active)))} if len(
            active) > 1 else {"fn": vjp_name}
        out.append(Op(grads, "call", list(op.args) + cots, attrs, op.loc, tag="adjoint"))
        for i, g in zip(active, grads):
            self.accumulate(adj, op.args[i].name, Var(g), out, op.loc)  # type: ignore
        return out

    # ------------------------------------------------------------- if
    def if_op(self, op: Op, adj: dict[str, Value]) -> list[Op]:
        slots = [k for k, r in enumerate(op.results) if r in adj and r in self.act]
        if not slots:
            return []
        branches = []
        for branch in op.blocks:
            local: dict[str, Value] = {}
            seed_ops: list[Op] = []
            for k in slots:
                y = branch.results[k]
                if isinstance(y, Var) and y.name in self.act:
                    self.accumulate(local, y.name, adj[op.results[k]], seed_ops, op.loc)
            rev = seed_ops + self.sweep(branch.ops, local)
            inner = set(_defined(branch))
            branches.append((branch, local, rev, inner))
        if self.loop_depth:
            self._export_branch_values(op, branches)
        outer = sorted({n for _, local, _, inner in branches for n in local if n not in inner},
                       key=lambda n: n)
        results = [self.namer.fresh(self.bname(n)) for n in outer]
        blocks = []
        for _, local, rev, _ in branches:
            yields: list[Value] = []
            for n in outer:
                if n in local:
                    if n in adj:
                        add, total = emit_one(self.namer, "add", [adj[n], local[n]],
                                              self.bname(n), "adjoint", op.loc)
                        rev.append(add)
                        yields.append(total)
                    else:
                        yields.append(local[n])
                else:
                    yields.append(adj[n] if n in adj else self.zero(Var(n), rev))
            blocks.append(Block([], rev, yields))
        for n, r in zip(outer, results):
            adj[n] = Var(r)
            self.link(r, n)
        return [Op(results, "if", list(op.args), {}, op.loc, blocks, "adjoint")]

    def _export_branch_values(self, op: Op, branches: list) -> None:
        """Make the forward ``if`` yield the branch values its adjoint reads, so a
        loop can tape them whichever branch ran."""
        for b, (branch, _local, rev, inner) in enumerate(branches):
            needed = sorted((_reads(rev) & inner) - set(branch.params))
            if not needed:
                continue
            mapping = {}
            for name in needed:
                new = self.namer.fresh(stem(self.namer, name))
                mapping[name] = new
                op.results.append(new)
                for k, other in enumerate(op.blocks):
                    other.results.append(Var(name) if k == b else Const(None))
            _rename(rev, mapping)

    # ----------------------------------------------------------- loops
    def loop_op(self, op: Op, adj: dict[str, Value]) -> tuple[list[Op], list[Op]]:
        carried, inits, nexts = loop_slots(op)
        slots = [j for j, c in enumerate(carried) if c in self.act]
        seeded = [j for j in slots if op.results[j] in adj]
        if not seeded:
            return [], []
        counted = op.prim == "while" or bool(op.attrs.get("exits"))
        pre: list[Op] = []
        out: list[Op] = []
        # Adjoints of the carried values, as parameters of the reverse body.
        bparams = [self.namer.fresh(self.bname(carried[j])) for j in slots]
        binits = [adj[op.results[j]] if op.results[j] in adj else self.zero(Var(op.results[j]),
                                                                              out)
                  for j in slots]
        local: dict[str, Value] = {}
        seed_ops: list[Op] = []
        for j, bp in zip(slots, bparams):
            nxt = nexts[j]
            if isinstance(nxt, Var) and nxt.name in self.act:
                self.accumulate(local, nxt.name, Var(bp), seed_ops, op.loc)
        forward_ops = [o for b in op.blocks for o in b.ops]
        self.loop_depth += 1
        try:
            rev = seed_ops + self.sweep(forward_ops, local)
        finally:
            self.loop_depth -= 1
        # sweep() may have inserted tapes into forward_ops: put them back in their blocks.
        self._restore_blocks(op, forward_ops)
        body_defs = [n for b in op.blocks for n in _defined(b)]
        inner = set(body_defs)
        index = op.blocks[0].params[0] if op.prim == "for_range" else None
        outer = sorted(n for n in local if n not in inner)
        # Next adjoints of the carried values (for the previous iteration).
        bnexts: list[Value] = []
        for j in slots:
            c = carried[j]
            bnexts.append(local[c] if c in local else self.zero(Var(c), rev))
        # Accumulators of outer values' adjoints.
        accs = [self.namer.fresh(self.bname(n)) for n in outer]
        acc_inits = [adj[n] if n in adj else self.zero(Var(n), out) for n in outer]
        acc_nexts: list[Value] = []
        for n, acc in zip(outer, accs):
            built = _scatters(rev, local[n], n) if n not in adj else None
            if built is not None:
                # The accumulator starts as zeros of our own: add each scattered part
                # into it in place instead of building zero arrays every iteration.
                total: Value = Var(acc)
                for part in built:
                    rev.remove(part)
                for part in built:
                    if part.prim != "scatter_add":
                        continue
                    add, total = emit_one(self.namer, "index_add",
                                          [total, part.args[0], *part.args[2:]],
                                          self.bname(n), "adjoint", op.loc, **part.attrs)
                    rev.append(add)
            else:
                add, total = emit_one(self.namer, "add", [Var(acc), local[n]],
                                      self.bname(n), "adjoint", op.loc)
                rev.append(add)
            acc_nexts.append(total)
        # A carried array the adjoint reads only for its shape, and that the body
        # changes only by indexed writes, has its initial value's shape: read that.
        _shape_from_init(op, rev, carried, inits, nexts)
        # Values of the iteration the adjoint reads: taped by the forward loop.
        reads = _reads(rev)
        needed = [n for n in body_defs if n in reads and (n != index or counted)]
        mapping: dict[str, str] = {}
        if needed:
            tape = self.namer.fresh("tape")
            pre.append(Op([tape], "tape_new", [], {}, op.loc, tag="tape"))
            op.blocks[-1].ops.append(Op([], "tape_push", [Var(tape), *map(Var, needed)], {},
                                        op.loc, tag="tape"))
            for n in needed:
                mapping[n] = self.namer.fresh(stem(self.namer, n))
                self.link(mapping[n], n)
            pop = Op([mapping[n] for n in needed], "tape_pop", [Var(tape)], {}, op.loc,
                     tag="adjoint")
            _rename(rev, mapping)
            bnexts = [Var(mapping[v.name]) if isinstance(v, Var) and v.name in mapping else v
                      for v in bnexts]
            rev.insert(0, pop)
        if counted:
            count = self._count_iterations(op)
            rindex = self.namer.fresh("_")
            bounds: list[Value] = [Const(0), Var(count), Const(1)]
            attrs = {}
        else:
            rindex = self.namer.fresh(stem(self.namer, index))  # type: ignore[arg-type]
            _rename(rev, {index: rindex})  # type: ignore[dict-item]
            bounds = list(op.args[:3])
            attrs = {"reverse": not op.attrs.get("reverse", False)}
        results = [self.namer.fresh(self.bname(carried[j])) for j in slots] + [
            self.namer.fresh(self.bname(n)) for n in outer]
        for j, r, bp in zip(slots, results, bparams):
            self.link(r, carried[j])
            self.link(bp, carried[j])
        for n, r, acc in zip(outer, results[len(slots):], accs):
            self.link(r, n)
            self.link(acc, n)
        body = Block([rindex, *bparams, *accs], rev, [*bnexts, *acc_nexts])
        out.append(Op(results, "for_range", [*bounds, *binits, *acc_inits], attrs, op.loc,
                      [body], "adjoint"))
        for n, r in zip(outer, results[len(slots):]):
            adj[n] = Var(r)
        for j, r in zip(slots, results):
            init = inits[j]
            if isinstance(init, Var) and init.name in self.act:
                self.accumulate(adj, init.name, Var(r), out, op.loc)
        return pre, out

    def _restore_blocks(self, op: Op, flat: list[Op]) -> None:
        """Split ``flat`` (the loop's blocks' ops, maybe with tapes inserted) back."""
        if len(op.blocks) == 1:
            op.blocks[0].ops = flat
            return
        cond, body = op.blocks
        first_body = body.ops[0] if body.ops else None
        if first_body is None:
            cond.ops = flat
            return
        k = next(i for i, o in enumerate(flat) if o is first_body)
        # Tapes inserted just before the first body op belong to the body.
        while k > 0 and flat[k - 1].prim == "tape_new" and flat[k - 1] not in cond.ops:
            k -= 1
        cond.ops, body.ops = flat[:k], flat[k:]

    def _count_iterations(self, op: Op) -> str:
        """Make the forward loop count its iterations; return the count's name."""
        k = self.namer.fresh("n_iter")
        k_next = self.namer.fresh("n_iter")
        count = self.namer.fresh("n_iter")
        head, body = op.blocks[0], op.blocks[-1]
        n = len(loop_slots(op)[0])
        head.params.append(k)
        body.ops.append(Op([k_next], "add", [Var(k), Const(1)], {}, op.loc, tag="tape"))
        body.results.insert(n, Var(k_next))
        op.args.append(Const(0))
        op.results.append(count)
        return count
