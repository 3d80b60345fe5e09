"""gast to IR: lower a parsed function to a structured SSA op list.

What the IR leaves: every expression is split into one op per primitive;
every user variable assignment binds the user's name to an SSA value (the
first binding keeps the user's name, later ones ``x1``, ``x2``...); names that
resolve to NumPy or ``math`` functions become primitive ops; module constants
that are numbers become :class:`~adgen.ir.Const`; other free values (arrays,
closure cells) become free variables of the function.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import gast
import numpy as np

from ..errors import UnsupportedSyntaxError
from ..ir import Block, Const, Function, Loc, Namer, Op, Value, Var
from ..primitives import PRIMITIVES, lookup_callable
from ..primitives.core import dtype_attr, lookup_method, lookup_tuple
from ..runtime import HELPERS
from .parse import ParsedFunction, parse_function

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
_UNARY = {gast.USub: "neg", gast.UAdd: "pos"}
_COMPARE = {
    gast.Lt: "lt",
    gast.LtE: "le",
    gast.Gt: "gt",
    gast.GtE: "ge",
    gast.Eq: "eq",
    gast.NotEq: "ne",
}
# Methods of arrays that map onto a primitive with the array as first operand.
_METHODS = {"sum": "sum", "mean": "mean", "dot": "dot", "reshape": "reshape",
            "transpose": "transpose"}
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


Lowered = Value | Static | Parts

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


class Lowerer:
    """Lowers one parsed function. Use :func:`lower_function`."""

    def __init__(self, parsed: ParsedFunction) -> None:
        self.p = parsed
        self.namer = Namer(taken=set(RESERVED), soft=_assigned_names(parsed.node))
        self.env: dict[str, Lowered] = {}
        self.freevars: dict[str, Any] = {}
        self.block = Block()
        self.loc: Loc | None = None

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
        self.block.ops.append(Op([name], prim, list(args), shown, self.loc))
        return Var(name)

    def value(self, node: gast.AST) -> Value:
        """Lower an expression that must denote a runtime value."""
        out = self.expr(node)
        if isinstance(out, Static):
            if _is_const(out.obj):
                return Const(_py_const(out.obj))
            raise self.error(node, f"{_describe(out.obj)} cannot be used as a value here")
        if isinstance(out, Parts):
            raise self.error(node, "this call returns a tuple: unpack it where it is "
                             "called, as in `a, b = f(x)`")
        return out

    def static(self, node: gast.AST, what: str) -> Any:
        """Lower an expression that must be a compile-time constant (axis=...)."""
        out = self.expr(node)
        if isinstance(out, Const):
            return out.value
        if isinstance(out, Static) and _is_const(out.obj):
            return _py_const(out.obj)
        if isinstance(out, Static) and dtype_attr(out.obj) is not None:
            return dtype_attr(out.obj)
        raise self.error(node, f"{what} must be a constant written in the source")

    # --------------------------------------------------------- statements
    def function(self) -> Function:
        node = self.p.node
        args = node.args
        if args.vararg or args.kwarg or args.kwonlyargs or getattr(args, "posonlyargs", None):
            raise self.error(node, "*args, **kwargs, keyword-only and positional-only "
                             "parameters are not supported; use plain parameters")
        params = []
        for a in args.args:
            name = self.namer.claim(a.id)
            params.append(name)
            self.env[a.id] = Var(name)
        defaults = tuple(self.p_default(d) for d in args.defaults)
        body = list(node.body)
        doc = ""
        if body and isinstance(body[0], gast.Expr) and isinstance(body[0].value, gast.Constant) \
                and isinstance(body[0].value.value, str):
            doc = body[0].value.value
            body = body[1:]
        results, returns_tuple = self.statements(body, node)
        self.block.results = results
        return Function(
            name=self.p.name,
            params=params,
            body=self.block,
            returns_tuple=returns_tuple,
            freevars=self.freevars,
            defaults=defaults,
            filename=self.p.filename,
            doc=doc,
            global_deps=self.p.global_deps,
        )

    def p_default(self, node: gast.AST) -> Any:
        return self.static(node, "a default value")

    def statements(self, body: list[gast.stmt], fn_node: gast.AST) -> tuple[list[Value], bool]:
        for i, stmt in enumerate(body):
            self.set_loc(stmt)
            if isinstance(stmt, gast.Return):
                if i != len(body) - 1:
                    raise self.error(body[i + 1], "code after return is never run; remove it")
                return self.return_values(stmt)
            self.statement(stmt)
        raise self.error(fn_node, "the function must end with a return statement "
                         "that gives the value to differentiate")

    def return_values(self, stmt: gast.Return) -> tuple[list[Value], bool]:
        if stmt.value is None:
            raise self.error(stmt, "return needs a value to differentiate")
        if isinstance(stmt.value, gast.Tuple):
            return [self.value(e) for e in stmt.value.elts], True
        return [self.value(stmt.value)], False

    def statement(self, stmt: gast.stmt) -> None:
        if isinstance(stmt, gast.Assign):
            value = self.expr(stmt.value)
            for target in stmt.targets:
                self.assign(target, value, stmt.value)
        elif isinstance(stmt, gast.AnnAssign):
            if stmt.value is None:
                return
            self.assign(stmt.target, self.expr(stmt.value), stmt.value)
        elif isinstance(stmt, gast.AugAssign):
            if not isinstance(stmt.target, gast.Name):
                raise self.error(stmt, "augmented assignment to this target is not supported")
            prim = _BINOPS.get(type(stmt.op))
            if prim is None:
                raise self.error(stmt, f"the operator {type(stmt.op).__name__} is not supported")
            current = self.value(gast.Name(stmt.target.id, gast.Load(), None, None))
            result = self.emit(prim, [current, self.value(stmt.value)])
            self.assign(stmt.target, result, None)
        elif isinstance(stmt, gast.Expr):
            if isinstance(stmt.value, gast.Constant):
                return  # a docstring or a bare literal: no effect
            raise self.error(stmt, "a statement whose value is thrown away (a call made for "
                             "its side effect) is not supported; adgen differentiates pure "
                             "computations: remove it or assign its result")
        elif isinstance(stmt, gast.Pass):
            return
        else:
            raise self.error(stmt, _unsupported_statement(stmt))

    def assign(self, target: gast.AST, value: Lowered, value_node: gast.AST | None) -> None:
        if isinstance(target, gast.Name):
            if isinstance(value, Var) and self._rename_last(value, target.id):
                value = Var(self.block.ops[-1].results[0])
            self.env[target.id] = value
        elif isinstance(target, (gast.Tuple, gast.List)):
            if isinstance(value_node, (gast.Tuple, gast.List)) and len(value_node.elts) == len(
                target.elts
            ):
                parts = [self.expr(e) for e in value_node.elts]
            elif isinstance(value, Const) and isinstance(value.value, tuple) and len(
                value.value) == len(target.elts):
                parts = [Const(v) for v in value.value]
            elif isinstance(value, Parts) and len(value.values) == len(target.elts):
                parts = list(value.values)
            else:
                raise self.error(target, "this tuple unpacking is not supported; assign the "
                                 "parts one by one")
            for t, v in zip(target.elts, parts):
                self.assign(t, v, None)
        else:
            raise self.error(target, "assignment to this kind of target is not supported")

    def _rename_last(self, value: Var, user_name: str) -> bool:
        """Give the op that just computed ``value`` the user's variable name."""
        ops = self.block.ops
        if not ops or ops[-1].results != [value.name] or value.name in self.env_names():
            return False
        ops[-1].results = [self.namer.claim(user_name)]
        return True

    def env_names(self) -> set[str]:
        return {v.name for v in self.env.values() if isinstance(v, Var)}

    # -------------------------------------------------------- expressions
    def expr(self, node: gast.AST) -> Lowered:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            raise self.error(node, _unsupported_expression(node))
        return method(node)

    def expr_Constant(self, node: gast.Constant) -> Lowered:
        return Const(node.value)

    def expr_Name(self, node: gast.Name) -> Lowered:
        if node.id in self.env:
            return self.env[node.id]
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
        if node.attr == "T":
            return self.emit("transpose", [base])
        if node.attr in ("shape", "ndim", "size"):
            return self.emit(node.attr, [base])
        raise self.error(node, f"the array attribute .{node.attr} is not supported")

    def expr_BinOp(self, node: gast.BinOp) -> Lowered:
        prim = _BINOPS.get(type(node.op))
        if prim is None:
            raise self.error(node, f"the operator {type(node.op).__name__} is not supported")
        return self.emit(prim, [self.value(node.left), self.value(node.right)])

    def expr_UnaryOp(self, node: gast.UnaryOp) -> Lowered:
        prim = _UNARY.get(type(node.op))
        if prim is None:
            raise self.error(node, f"the operator {type(node.op).__name__} is not supported")
        operand = self.value(node.operand)
        if isinstance(operand, Const) and prim == "neg" and isinstance(operand.value, (int, float)):
            return Const(-operand.value)
        return self.emit(prim, [operand])

    def expr_Compare(self, node: gast.Compare) -> Lowered:
        if len(node.ops) != 1:
            raise self.error(node, "chained comparisons are not supported; use 'and'")
        prim = _COMPARE.get(type(node.ops[0]))
        if prim is None:
            raise self.error(node, f"the comparison {type(node.ops[0]).__name__} "
                             "is not supported")
        return self.emit(prim, [self.value(node.left), self.value(node.comparators[0])])

    def expr_Tuple(self, node: gast.Tuple) -> Lowered:
        items = [self.value(e) for e in node.elts]
        if all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))  # type: ignore[union-attr]
        return self.emit("make_tuple", items)

    def expr_List(self, node: gast.List) -> Lowered:
        """A list literal: a constant tuple, else the array of its items."""
        items = [self.value(e) for e in node.elts]
        if all(isinstance(i, Const) for i in items):
            return Const(tuple(i.value for i in items))  # type: ignore[union-attr]
        return self.emit("array", items)

    def expr_Call(self, node: gast.Call) -> Lowered:
        if isinstance(node.func, gast.Attribute):
            base = self.expr(node.func.value)
            if not isinstance(base, Static):
                return self.method_call(node, base, node.func.attr)
        func = self.expr(node.func)
        if not isinstance(func, Static):
            raise self.error(node, "calling a value computed inside the function "
                             "is not supported")
        prim = lookup_callable(func.obj)
        if prim is not None:
            return self.prim_call(node, prim, node.args, node.keywords)
        parts = lookup_tuple(func.obj)
        if parts is not None:
            return Parts(tuple(self.prim_call(node, p, node.args, node.keywords) for p in parts))
        raise self.error(node, f"adgen has no derivative rule for {_describe(func.obj)}; "
                         "write it with the NumPy functions adgen supports")

    def method_call(self, node: gast.Call, base: Value, name: str) -> Lowered:
        prim = _METHODS.get(name) or lookup_method(name)
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


def _describe(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    module = getattr(obj, "__module__", None)
    if name:
        return f"{module}.{name}" if module and module != "builtins" else name
    return type(obj).__name__


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
    "Lambda": "lambdas inside the function are not supported: use NumPy expressions",
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


def lower_function(f: Any) -> Function:
    """Parse and lower the Python function ``f`` to IR."""
    return Lowerer(parse_function(f)).function()
