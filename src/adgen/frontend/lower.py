"""gast to IR: lower a parsed function to a structured SSA op list.

What the IR leaves: every expression is split into one op per primitive;
every user variable assignment binds the user's name to an SSA value (the
first binding keeps the user's name, later ones ``x1``, ``x2``...); names that
resolve to NumPy or ``math`` functions become primitive ops; module constants
that are numbers become :class:`~adgen.ir.Const`; other free values (arrays,
closure cells) become free variables of the function.

Tuples, lists and dicts built in the function are compile-time containers
(:class:`~adgen.frontend.values.Pack`), resolved while lowering. Subscripts,
indexed writes and aliasing are lowered by
:class:`~adgen.frontend.indexing.IndexingMixin` (writes become ``setitem``
ops: the IR has no mutation); builtins, ``math`` rewrites, array methods and
calls of functions with custom rules by
:class:`~adgen.frontend.calls.CallsMixin`.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import gast
import numpy as np

from .. import custom, trees
from ..errors import UnsupportedSyntaxError
from ..ir import Block, Const, Function, Loc, Namer, Op, Value, Var
from ..primitives import PRIMITIVES, lookup_callable
from ..primitives.core import dtype_attr, dtype_kind, lookup_method, lookup_tuple
from ..primitives.refused import COMPLEX, REFUSED_ATTRIBUTES, refusal
from ..program import Program
from ..runtime import HELPERS
from .calls import CallsMixin
from .control import LOOP_TARGET, ONE_BRANCH, RET, ControlFlowLowering, hoist_returns
from .indexing import IndexingMixin
from .local_functions import LocalFunction, LocalFunctionLowering
from .parse import ParsedFunction, parse_function
from .user_calls import CallLowering, Multi
from .values import Pack, SliceValue, Stale

_BINOPS = {
    gast.Add: "add",
    gast.Sub: "sub",
    gast.Mult: "mul",
    gast.Div: "div",
    gast.Pow: "pow",
    gast.MatMult: "matmul",
    gast.FloorDiv: "floordiv",
    gast.Mod: "remainder",
}
_UNARY = {gast.USub: "neg", gast.UAdd: "pos", gast.Not: "not_"}
_COMPARE = {
    gast.Lt: "lt",
    gast.LtE: "le",
    gast.Gt: "gt",
    gast.GtE: "ge",
    gast.Eq: "eq",
    gast.NotEq: "ne",
}
# Names the generated code itself uses; user values never take them.
RESERVED = {"np", "scipy", *HELPERS}


@dataclass(frozen=True)
class Static:
    """A compile-time object an expression denotes: a module, function, class..."""

    obj: Any


@dataclass(frozen=True)
class Parts:
    """The components of a call that returns a tuple, each computed by its own op."""

    values: tuple[Value, ...]


Lowered = Value | Static | Pack | SliceValue | Stale | Parts

_CONST_TYPES = (bool, int, float, complex, str, type(None))


def _is_const(obj: Any) -> bool:
    if isinstance(obj, tuple):
        return all(_is_const(o) for o in obj)
    return type(obj) in _CONST_TYPES or isinstance(obj, (np.floating, np.integer, np.bool_))


def _py_const(obj: Any) -> Any:
    if isinstance(obj, tuple):
        return tuple(_py_const(o) for o in obj)
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return obj


def _assigned_names(node: gast.AST) -> set[str]:
    return {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}


class Lowerer(ControlFlowLowering, CallLowering, LocalFunctionLowering, IndexingMixin,
              CallsMixin):
    """Lowers one parsed function. Use :func:`lower_function`."""

    def __init__(self, parsed: ParsedFunction, program: Program | None = None,
                 trees: tuple[Any, ...] | None = None) -> None:
        self.p = parsed
        self.program = program if program is not None else Program()
        self.namer = Namer(taken=set(RESERVED) | custom.binding_names(),
                           soft=_assigned_names(parsed.node))
        self.env: dict[str, Lowered] = {}
        self.freevars: dict[str, Any] = {}
        self.block = Block()
        self.loc: Loc | None = None
        # Container structure of each parameter (None: a plain value); see trees.py.
        self.trees = trees
        self.init_indexing()

    # ------------------------------------------------------------ helpers
    def error(self, node: Any, message: str) -> UnsupportedSyntaxError:
        return self.p.error(node, message)

    def set_loc(self, node: Any) -> None:
        lineno = getattr(node, "lineno", None)
        if lineno is not None:
            self.loc = Loc(
                self.p.filename,
                lineno + self.p.line_offset,
                (getattr(node, "col_offset", 0) or 0) + self.p.col_offset,
                self.p.source_line(lineno),
            )

    def emit(self, prim: str, args: list[Value], attrs: dict[str, Any] | None = None,
             base: str = "t") -> Var:
        entry = PRIMITIVES[prim]
        shown = {k: v for k, v in (attrs or {}).items() if entry.attrs.get(k, object()) != v}
        name = self.namer.fresh(base)
        op = Op([name], prim, list(args), shown, self.loc)
        self.block.ops.append(op)
        self.note_op(op)
        return Var(name)

    def value(self, node: gast.AST) -> Value:
        """Lower an expression that must denote a runtime value."""
        out = self.expr(node)
        if isinstance(out, Multi):
            raise self.error(node, "this call returns several values: unpack them first "
                             "(a, b = f(...))")
        return self.as_value(out, node)

    def value_of_other(self, out: Lowered, node: gast.AST) -> Value:
        """A static object used as a runtime value: only constants are."""
        if isinstance(out, Static):
            if _is_const(out.obj):
                return Const(_py_const(out.obj))
            raise self.error(node, f"{_describe(out.obj)} cannot be used as a value here")
        if isinstance(out, Parts):
            raise self.error(node, "this call returns a tuple: unpack it where it is "
                             "called, as in `a, b = f(x)`")
        raise self.error(node, "this cannot be used as a value here")

    def static(self, node: gast.AST, what: str) -> Any:
        """Lower an expression that must be a compile-time constant (axis=...)."""
        out = _constant_pack(self.expr(node))
        if isinstance(out, Const) and isinstance(out.value, str) and out.value.startswith(
                "complex"):
            raise self.error(node, f"a complex dtype is refused: {COMPLEX}")
        if isinstance(out, Const):
            return out.value
        if isinstance(out, Static) and _is_const(out.obj):
            return _py_const(out.obj)
        if isinstance(out, Static) and dtype_attr(out.obj) is not None:
            if dtype_kind(dtype_attr(out.obj)) == "c":
                raise self.error(node, f"a complex dtype is refused: {COMPLEX}")
            return dtype_attr(out.obj)
        raise self.error(node, f"{what} must be a constant written in the source")

    # --------------------------------------------------------- statements
    def function(self) -> Function:
        node = self.p.node
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or getattr(args, "posonlyargs", None):
            raise self.error(node, "*args, **kwargs, keyword-only and positional-only "
                             "parameters are not supported; use plain parameters")
        _refuse_generators(self, node)
        params = self.bind_params([a.id for a in args.args])
        defaults = self.p_defaults(args.defaults)
        body = list(node.body)
        doc = ""
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = body[0].value.value
            body = body[1:]
        self.result_structure: Any = None
        self.result_tree: Any = None
        self.run_statements(hoist_returns(body))
        if self.env.get(RET) != Const(True):
            raise self.error(node, "the function must end with a return statement "
                             "that gives the value to differentiate")
        arity = self.env["%rvn"].value
        self.block.results = [self.env[f"%rv{k}"] for k in range(max(arity, 1))]
        return Function(
            name=self.p.name,
            params=params,
            body=self.block,
            returns_tuple=arity >= 0,
            freevars=self.freevars,
            defaults=defaults,
            filename=self.p.filename,
            doc=doc,
            global_deps=self.p.global_deps,
            families=self.namer.family,
            program=self.program,
            structure=self.result_structure,
            result_tree=self.result_tree,
            param_leaves=self.param_leaves,
        )

    def bind_params(self, names: list[str]) -> list[str]:
        """Parameter names of the IR function; a container argument gets one per leaf."""
        params: list[str] = []
        self.param_leaves: dict[str, list[str]] | None = None
        if self.trees is not None and any(t is not None for t in self.trees):
            self.param_leaves = {}
        for k, user in enumerate(names):
            tree = self.trees[k] if self.trees is not None and k < len(self.trees) else None
            if tree is None:
                name = self.namer.claim(user)
                leaves = [name]
                self.env[user] = Var(name)
            else:
                leaves = [self.namer.claim(user + s) for s in trees.leaf_suffixes(tree)]
                self.env[user] = _pack_of(tree, iter(leaves))
            params.extend(leaves)
            if self.param_leaves is not None:
                self.param_leaves[user] = leaves
        return params

    def p_defaults(self, nodes: list[gast.AST]) -> tuple[Any, ...]:
        """Defaults written as constants, for the generated signature; () if any is not
        (the API then always passes every argument)."""
        if self.param_leaves is not None:
            return ()
        out = []
        for d in nodes:
            value = self.expr(d)
            if isinstance(value, Pack):
                return ()
            if isinstance(value, Static):
                if not _is_const(value.obj):
                    return ()
                value = Const(_py_const(value.obj))
            if not isinstance(value, Const):
                return ()
            out.append(value.value)
        return tuple(out)

    def _flatten_result(self, value: Lowered, results: list[Value], node: gast.AST) -> tuple[
            Any, Any]:
        """(structure, tree) of a returned value; its leaves are appended to results."""
        value = self.live(value, node)
        if not isinstance(value, Pack):
            results.append(self.as_value(value, node))
            return len(results) - 1, None
        parts = [self._flatten_result(i, results, node) for i in value.items]
        structure = tuple(p[0] for p in parts)
        subtrees = tuple(p[1] for p in parts)
        tree = ("dict", value.keys, subtrees) if value.kind == "dict" else (value.kind, subtrees)
        return structure, tree

    def statement(self, stmt: gast.stmt) -> None:
        method = getattr(self, "stmt_" + type(stmt).__name__, None)
        if method is not None:
            method(stmt)
        elif isinstance(stmt, gast.Assign):
            value = self.expr(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt.value)
        elif isinstance(stmt, gast.AnnAssign):
            if stmt.value is None:
                return
            self.assign(stmt.target, self.expr(stmt.value), stmt.value)
        elif isinstance(stmt, gast.AugAssign):
            self.aug_assign(stmt)
        elif isinstance(stmt, gast.Expr):
            if isinstance(stmt.value, gast.Constant):
                return  # a docstring or a bare literal: no effect
            if isinstance(stmt.value, gast.Call) and isinstance(stmt.value.func, gast.Attribute) \
                    and stmt.value.func.attr in _MUTATING_METHODS:
                raise self.error(stmt, f"the method .{stmt.value.func.attr}() changes an object "
                                 "in place, which adgen does not support; build a new value "
                                 "(e.g. xs = xs + [v], or collect values and np.stack them)")
            raise self.error(stmt, "a statement whose value is thrown away (a call made for "
                             "its side effect) is not supported; adgen differentiates pure "
                             "computations: remove it or assign its result")
        elif isinstance(stmt, gast.Pass):
            return
        else:
            raise self.error(stmt, _unsupported_statement(stmt))

    def aug_assign(self, stmt: gast.AugAssign) -> None:
        prim = _BINOPS.get(type(stmt.op))
        if prim is None:
            raise self.error(stmt, f"the operator {type(stmt.op).__name__} is not supported")
        if isinstance(stmt.target, gast.Name):
            self.aug_assign_name(stmt, prim)
        elif isinstance(stmt.target, gast.Subscript):
            self.aug_assign_subscript(stmt, prim)
        elif isinstance(stmt.target, gast.Attribute):
            raise self.error(stmt, _ATTRIBUTE_WRITE)
        else:
            raise self.error(stmt, "augmented assignment to this target is not supported")

    def assign(self, target: gast.AST, value: Lowered, value_node: gast.AST | None) -> None:
        if isinstance(target, gast.Name):
            if isinstance(value, Var) and self._rename_last(value, target.id):
                value = Var(self.block.ops[-1].results[0])
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            self.unpack(target, value)
        elif isinstance(target, gast.Subscript):
            self.assign_subscript(target, value)
        elif isinstance(target, gast.Attribute):
            raise self.error(target, _ATTRIBUTE_WRITE)
        else:
            raise self.error(target, "assignment to this kind of target is not supported")

    def unpack(self, target: gast.Tuple | gast.List, value: Lowered) -> None:
        """``a, b = value``, ``a, *rest = value`` (tuples, lists, arrays)."""
        value = self.live(value, target)
        n = len(target.elts)
        star = [k for k, t in enumerate(target.elts) if isinstance(t, gast.Starred)]
        items: list[Lowered]
        if isinstance(value, Multi) and len(value.values) == n and not star:
            items = self._name_results(value, list(target.elts))
        elif isinstance(value, Parts):
            items = list(value.values)
        elif isinstance(value, Pack) and value.kind != "dict":
            items = list(value.items)
        elif isinstance(value, Const) and isinstance(value.value, tuple):
            items = [Const(v) for v in value.value]
        elif isinstance(value, Var) and not star:
            # Python iterates: the items of a tuple, the rows of an array.
            items = [self.emit("getitem", [value, Const(k)]) for k in range(n)]
        else:
            raise self.error(target, "this unpacking is not supported; assign the parts one "
                             "by one")
        if star:
            k = star[0]
            after = n - k - 1
            if len(items) < n - 1:
                raise self.error(target, f"cannot unpack {len(items)} values into {n - 1} "
                                 "or more names")
            rest = Pack("list", tuple(items[k:len(items) - after]))
            items = items[:k] + [rest] + items[len(items) - after:]
            targets = [t.value if isinstance(t, gast.Starred) else t for t in target.elts]
        else:
            targets = list(target.elts)
            if len(items) != n:
                raise self.error(target, f"cannot unpack {len(items)} values into {n} names")
        for t, v in zip(targets, items, strict=True):
            self.assign(t, v, None)

    def _name_results(self, value: Multi, targets: list[gast.AST]) -> list[Lowered]:
        """Give the results of the call that just ran the names they are unpacked to."""
        op = self.block.ops[-1] if self.block.ops else None
        if op is None or op.results != [v.name for v in value.values]:
            return list(value.values)
        for k, t in enumerate(targets):
            if isinstance(t, gast.Name):
                op.results[k] = self.namer.claim(t.id)
        return [Var(r) for r in op.results]

    def _rename_last(self, value: Var, user_name: str) -> bool:
        """Give the op that just computed ``value`` the user's variable name."""
        ops = self.block.ops
        if not ops or ops[-1].results != [value.name] or value.name in self.env_names():
            return False
        ops[-1].results = [self.namer.claim(user_name)]
        self.renamed(value.name, ops[-1].results[0])
        return True

    def env_names(self) -> set[str]:
        return self.bound_names()

    # -------------------------------------------------------- expressions
    def expr(self, node: gast.AST) -> Lowered:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, _unsupported_expression(node))
        return method(node)

    def expr_Constant(self, node: gast.Constant) -> Lowered:
        if isinstance(node.value, complex):
            raise self.error(node, f"a complex literal is refused: {COMPLEX}")
        return Const(node.value)

    def expr_Name(self, node: gast.Name) -> Lowered:
        if node.id in self.env:
            if self.env[node.id] is ONE_BRANCH:
                raise self.error(node, f"{node.id!r} is assigned on only some paths through "
                                 "the ifs before this line, so it may be undefined here; "
                                 "assign it on every path (or before the if)")
            if self.env[node.id] is LOOP_TARGET:
                raise self.error(node, f"{node.id!r} was bound inside a loop and is used "
                                 "after it; adgen needs it defined before the loop: "
                                 "initialise it there (or copy it to a variable that is)")
            return self.live(self.env[node.id], node)
        found, obj = self.p.lookup(node.id)
        if not found:
            raise self.error(node, f"the name {node.id!r} is not defined")
        return self.free(node.id, obj)

    def free(self, name: str, obj: Any) -> Lowered:
        """A free name's meaning: a constant, a compile-time object, or a free value."""
        if _is_const(obj):
            return Const(_py_const(obj))
        if isinstance(obj, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType,
                            type, np.ufunc)) or callable(obj):
            return Static(obj)
        if name in RESERVED or (name in self.freevars and self.freevars[name] is not obj):
            raise self.error(None, f"the free name {name!r} clashes with a name adgen uses")
        self.freevars[name] = obj
        self.namer.reserve(name)
        return Var(name)

    def expr_Attribute(self, node: gast.Attribute) -> Lowered:
        base = self.expr(node.value)
        if isinstance(base, Static):
            if not hasattr(base.obj, node.attr):
                raise self.error(node, f"{_describe(base.obj)} has no attribute {node.attr!r}")
            return self.free(f"{node.attr}", getattr(base.obj, node.attr)) if not _is_const(
                getattr(base.obj, node.attr)) else Const(_py_const(getattr(base.obj, node.attr)))
        if isinstance(base, Pack):
            raise self.error(node, f"a {base.kind} has no attribute .{node.attr} here")
        base = self.as_value(base, node.value)
        if node.attr == "T":
            return self.emit("transpose", [base])
        if node.attr in ("shape", "ndim", "size"):
            return self.emit(node.attr, [base])
        if node.attr in REFUSED_ATTRIBUTES:
            raise self.error(node, REFUSED_ATTRIBUTES[node.attr])
        return self.emit("attr", [base], {"name": node.attr}, base=node.attr)

    def expr_BinOp(self, node: gast.BinOp) -> Lowered:
        prim = _BINOPS.get(type(node.op))
        if prim is None:
            raise self.error(node, f"the operator {type(node.op).__name__} is not supported")
        left = self.live(self.expr(node.left), node.left)
        right = self.live(self.expr(node.right), node.right)
        folded = self.static_binop(node, prim, left, right)
        if folded is not None:
            return folded
        return self.emit(prim, [self.as_value(left, node.left), self.as_value(right, node.right)])

    def expr_UnaryOp(self, node: gast.UnaryOp) -> Lowered:
        prim = _UNARY.get(type(node.op))
        if prim is None:
            raise self.error(node, f"the operator {type(node.op).__name__} is not supported")
        operand = self.value(node.operand)
        if isinstance(operand, Const) and prim == "neg" and isinstance(operand.value, (int, float)):
            return Const(-operand.value)
        return self.emit(prim, [operand])

    def expr_Compare(self, node: gast.Compare) -> Lowered:
        left = self.value(node.left)
        out: Value | None = None
        for op, right_node in zip(node.ops, node.comparators):
            prim = _COMPARE.get(type(op))
            if prim is None:
                raise self.error(node, f"the comparison {type(op).__name__} is not supported")
            right = self.value(right_node)
            test = self.emit(prim, [left, right])
            out = test if out is None else self.emit("and_", [out, test])
            left = right
        return out  # type: ignore[return-value]

    def expr_Tuple(self, node: gast.Tuple) -> Lowered:
        return Pack("tuple", tuple(self._element(e) for e in node.elts))

    def expr_List(self, node: gast.List) -> Lowered:
        return Pack("list", tuple(self._element(e) for e in node.elts))

    def _element(self, node: gast.AST) -> Lowered:
        if isinstance(node, gast.Starred):
            raise self.error(node, "*unpacking inside a tuple or list is not supported")
        out = self.live(self.expr(node), node)
        if isinstance(out, Static):
            return self.as_value(out, node)
        return out

    def expr_Dict(self, node: gast.Dict) -> Lowered:
        keys = []
        for k in node.keys:
            key = self.expr(k) if k is not None else None
            if not isinstance(key, Const) or not isinstance(key.value, (str, int)):
                raise self.error(node, "dict keys must be strings or integers written in "
                                 "the source")
            keys.append(key.value)
        return Pack("dict", tuple(self._element(v) for v in node.values), tuple(keys))

    def expr_Call(self, node: gast.Call) -> Lowered:
        if isinstance(node.func, gast.Attribute):
            base = self.expr(node.func.value)
            if not isinstance(base, Static):
                return self.method_call(node, base, node.func.attr)
        func = self.expr(node.func)
        if isinstance(func, LocalFunction):
            return self.call_local(node, func)
        if not isinstance(func, Static):
            raise self.error(node, "calling a value computed inside the function "
                             "is not supported")
        special = self.special_call(node, func.obj)
        if special is not None:
            return special
        prim = lookup_callable(func.obj)
        if prim is not None:
            return self.prim_call(node, prim, node.args, node.keywords)
        parts = lookup_tuple(func.obj)
        if parts is not None:
            return Parts(tuple(self.prim_call(node, p, node.args, node.keywords) for p in parts))
        if isinstance(func.obj, types.FunctionType):
            return self.user_call(node, func.obj)  # type: ignore[return-value]
        refused = refusal(func.obj)
        if refused is not None:
            raise self.error(node, refused)
        raise self.error(node, f"adgen has no derivative rule for {_describe(func.obj)}; "
                         "write it with the NumPy functions adgen supports, or give it "
                         "rules with adgen.defvjp and adgen.defjvp")

    def method_call(self, node: gast.Call, base: Lowered, name: str) -> Lowered:
        base = self.live(base, node.func)
        if isinstance(base, Pack):
            raise self.error(node, f"the {base.kind} method .{name}() is not supported")
        base = self.as_value(base, node.func)
        special = self.special_method(node, base, name)
        if special is not None:
            return special
        prim = lookup_method(name)
        if prim is None:
            raise self.error(node, f"the array method .{name}() is not supported")
        args = list(node.args)
        if prim in ("reshape", "transpose") and len(args) > 1:
            args = [gast.Tuple(elts=args, ctx=gast.Load())]
        if prim == "transpose" and args:
            return self.emit("transpose", [base], {"axes": self.static(args[0], "axes")})
        return self.prim_call(node, prim, [base, *args], node.keywords)

    def prim_call(self, node: gast.Call, prim: str, args: list[Any],
                  keywords: list[gast.keyword]) -> Value:
        """Bind a call's arguments to the primitive's operands and attributes."""
        entry = PRIMITIVES[prim]
        listed = bool(args) and isinstance(args[0], (gast.List, gast.Tuple))
        if entry.of_list and listed:
            return self.prim_call(node, entry.of_list, args, keywords)
        operands: list[Value] = []
        names = list(entry.operands) + list(entry.attrs)
        if entry.listed:
            if not listed:
                raise self.error(node, f"{prim} needs its arrays as a list written in the "
                                 "call, such as [a, b]")
            operands = [self.value(e) for e in args[0].elts]
            args, names = args[1:], list(entry.attrs)
        elif entry.variadic:
            operands = [a if isinstance(a, (Var, Const)) else self.value(a) for a in args]
            args, names = [], list(entry.attrs)
        bound: dict[str, Any] = {}
        if len(args) > len(names):
            raise self.error(node, f"too many arguments for {prim}: it takes "
                             f"{', '.join(names)}")
        for name, a in zip(names, args, strict=False):
            bound[name] = a
        for kw in keywords:
            if kw.arg not in names or kw.arg in bound:
                raise self.error(node, f"unsupported keyword argument {kw.arg!r} for {prim}")
            bound[kw.arg] = kw.value
        if not entry.variadic:
            for name in entry.operands:
                if name not in bound:
                    raise self.error(node, f"{prim} needs its argument {name!r}")
                a = bound[name]
                operands.append(a if isinstance(a, (Var, Const)) else self.value(a))
        attrs = {}
        for name in entry.attrs:
            if name in bound:
                attrs[name] = self.static(bound[name], f"the argument {name!r} of {prim}")
        return self.emit(prim, operands, attrs)


def _constant_pack(value: Any) -> Any:
    """A tuple or list literal of constants (nested too) as one constant tuple."""
    if isinstance(value, Pack) and value.kind in ("tuple", "list"):
        items = [_constant_pack(i) for i in value.items]
        if all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))
    return value


def _describe(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    module = getattr(obj, "__module__", None)
    if name:
        return f"{module}.{name}" if module and module != "builtins" else name
    return type(obj).__name__


_ATTRIBUTE_WRITE = (
    "assigning to an attribute (an object's state) is not supported: adgen differentiates "
    "pure functions of their arguments; pass the values in and return the new ones")
_MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "update", "clear",
                     "setdefault", "sort", "reverse", "fill", "resize", "put", "itemset"}


def _pack_of(tree: Any, names: Any) -> Pack:
    """The compile-time container of a container argument's leaf parameters."""
    parts = tuple(Var(next(names)) if c is None else _pack_of(c, names)
                  for c in trees.children(tree))
    if tree[0] == "dict":
        return Pack("dict", parts, tree[1])
    return Pack(tree[0], parts)


def _refuse_generators(lowerer: Lowerer, node: gast.AST) -> None:
    """Generators, coroutines and writes to outer scopes cannot be differentiated: say so
    at the yield, await, global or nonlocal, wherever it is (nested functions too)."""
    for n in gast.walk(node):
        if isinstance(n, (gast.Yield, gast.YieldFrom, gast.Await)):
            raise lowerer.error(n, _unsupported_expression(n))
        if isinstance(n, (gast.Global, gast.Nonlocal)):
            raise lowerer.error(n, _unsupported_statement(n))


_STATEMENT_ADVICE = {
    "Try": "try/except is not supported: check inputs before calling the derivative",
    "With": "with-blocks are not supported: move the context manager outside the function",
    "Global": "global declarations are not supported: pass the value as an argument",
    "Nonlocal": "nonlocal declarations are not supported: pass the value as an argument",
    "ClassDef": "class definitions inside a differentiated function are not supported",
    "Delete": "del is not supported: simply stop using the name",
    "Raise": "raise is not supported inside a differentiated function: validate inputs "
             "before calling it",
    "Assert": "assert is not supported inside a differentiated function: validate inputs "
              "before calling it",
    "Import": "import inside the function is not supported: import at module level",
    "ImportFrom": "import inside the function is not supported: import at module level",
    "AsyncFunctionDef": "async functions cannot be differentiated",
    "AsyncFor": "async for cannot be differentiated",
    "AsyncWith": "async with cannot be differentiated",
    "Match": "match statements are not supported: use if/elif",
}


def _unsupported_statement(stmt: gast.AST) -> str:
    kind = type(stmt).__name__
    return _STATEMENT_ADVICE.get(kind, f"the statement {kind} is not supported yet")


_EXPRESSION_ADVICE = {
    "Yield": "generators cannot be differentiated: build a list or array instead",
    "YieldFrom": "generators cannot be differentiated: build a list or array instead",
    "Await": "async code cannot be differentiated",
    "ListComp": "list comprehensions are not supported: use a for loop or a NumPy expression",
    "GeneratorExp": "generator expressions are not supported: use a NumPy expression",
    "SetComp": "set comprehensions are not supported",
    "DictComp": "dict comprehensions are not supported",
    "NamedExpr": "the walrus operator := is not supported: use a separate assignment",
    "JoinedStr": "f-strings are not supported inside a differentiated function",
}


def _unsupported_expression(node: gast.AST) -> str:
    kind = type(node).__name__
    return _EXPRESSION_ADVICE.get(kind, f"the expression {kind} is not supported yet")


def lower_function(f: Any, program: Program | None = None,
                   trees: tuple[Any, ...] | None = None) -> Function:
    """Parse and lower the Python function ``f`` to IR (in ``program``, or a new one).

    ``trees`` gives the container structure of each argument (see adgen.trees).
    """
    return Lowerer(parse_function(f), program, trees).function()
