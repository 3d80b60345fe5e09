"""gast to IR: lower a parsed function to a structured SSA op list.

What the IR leaves: every expression is split into one op per primitive;
every user variable assignment binds the user's name to an SSA value (the
first binding keeps the user's name, later ones ``x1``, ``x2``...). Writes
into arrays become ``setitem`` ops: the IR has no mutation.

This module assembles the frontend: the parsed function goes through the
desugaring passes (:mod:`adgen.frontend.desugar`), then a
:class:`~adgen.frontend.context.Context` lowers it, dispatching each
expression and statement to the module that lowers that construct through
the two tables below. It also lowers the plain statements (assignments,
unpacking, augmented assignments, expression statements).

Example::

    def f(x):                  func f(x):
        y = np.sin(x)            y = sin(x)
        return y * 2.0           t1 = mul(y, 2.0)
                                 return t1
"""

from __future__ import annotations

from typing import Any

import gast

from .. import trees
from ..ir import Const, Function, Var
from ..program import Program
from . import control, effects, expressions, indexing, lists, local_functions, loops
from .basics import bound_names, live
from .carried import WRITING_METHODS
from .constructors import make_pack
from .context import Context, Handler
from .control import RET, run_statements
from .desugar import desugar
from .expressions import BINOPS
from .indexing import assign_subscript, aug_assign_name, aug_assign_subscript
from .introspection import note_param_types
from .parse import ParsedFunction, parse_function, refuse_unsupported
from .user_calls import note_arguments, return_arguments
from .values import Lowered, Multi, Pack, Parts, Static, is_const, py_const

_ATTRIBUTE_WRITE = (
    "assigning to an attribute (an object's state) is not supported: adgen differentiates "
    "pure functions of their arguments; pass the values in and return the new ones"
)


def _pack_of(tree: Any, names: Any) -> Pack:
    """The compile-time container of a container argument's leaf parameters."""
    parts = tuple(
        Var(next(names)) if c is None else _pack_of(c, names) for c in trees.children(tree)
    )
    return make_pack(tree, parts)


def _mutable_packs(pack: Pack) -> list[Pack]:
    """The lists and dicts in an argument's pack (its own object included)."""
    out = [pack] if pack.kind in ("list", "dict") else []
    for item in pack.items:
        if isinstance(item, Pack):
            out.extend(_mutable_packs(item))
    return out


def function(cx: Context) -> Function:
    node = cx.p.node
    args = node.args
    refuse_unsupported(cx.p)
    node = desugar(node)
    names = signature_names(args)
    params = bind_params(cx, names)
    note_param_types(cx, names)
    callee = cx.callee
    if callee:
        note_arguments(cx, params)
    # Defaults in the generated signature only for plain positional parameters.
    plain = not (args.vararg or args.kwarg or args.kwonlyargs)
    defaults = p_defaults(cx, args.defaults) if plain else ()
    body = list(node.body)
    doc = ""
    if (
        body
        and isinstance(body[0], gast.Expr)
        and isinstance(body[0].value, gast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        doc = body[0].value.value
        body = body[1:]
    run_statements(cx, body)
    if cx.env.get(RET) != Const(True):
        raise cx.error(
            node,
            "the function must end with a return statement that gives the value to differentiate",
        )
    arity = cx.env["%rvn"].value
    cx.block.results = [cx.env[f"%rv{k}"] for k in range(max(arity, 1))]
    fn = Function(
        name=cx.p.name,
        params=params,
        body=cx.block,
        returns_tuple=arity >= 0,
        freevars=cx.freevars,
        defaults=defaults,
        filename=cx.p.filename,
        doc=doc,
        global_deps=cx.p.global_deps,
        families=cx.namer.family,
        program=cx.program,
        structure=cx.result_structure,
        result_tree=cx.result_tree,
        param_leaves=cx.param_leaves,
        type_deps=tuple(sorted(cx.type_deps)),
    )
    if callee:
        return_arguments(cx, fn, names)
    return fn


def signature_names(args: gast.arguments) -> list[str]:
    """The parameters in the order the API passes them: positional ones (positional-only
    first), ``*args`` (a tuple), keyword-only ones, ``**kwargs`` (a dict)."""
    names = [a.id for a in [*getattr(args, "posonlyargs", []), *args.args]]
    if args.vararg is not None:
        names.append(args.vararg.id)
    names += [a.id for a in args.kwonlyargs]
    if args.kwarg is not None:
        names.append(args.kwarg.id)
    return names


def bind_params(cx: Context, names: list[str]) -> list[str]:
    """Parameter names of the IR function; a container argument gets one per leaf."""
    params: list[str] = []
    if cx.trees is not None and any(t is not None for t in cx.trees):
        cx.param_leaves = {}
    for k, user in enumerate(names):
        tree = cx.trees[k] if cx.trees is not None and k < len(cx.trees) else None
        if tree is None:
            name = cx.namer.claim(user)
            leaves = [name]
            cx.env[user] = Var(name)
        else:
            leaves = [cx.namer.claim(user + s) for s in trees.leaf_suffixes(tree)]
            cx.env[user] = _pack_of(tree, iter(leaves))
            kwarg = cx.p.node.args.kwarg
            if kwarg is None or user != kwarg.id:  # **kwargs is a new dict
                cx.argument_packs.extend(_mutable_packs(cx.env[user]))
        params.extend(leaves)
        if cx.param_leaves is not None:
            cx.param_leaves[user] = leaves
    return params


def p_defaults(cx: Context, nodes: list[gast.AST]) -> tuple[Any, ...]:
    """Defaults written as constants, for the generated signature; () if any is not
    (the API then always passes every argument)."""
    if cx.param_leaves is not None:
        return ()
    out = []
    for d in nodes:
        value = cx.expr(d)
        if isinstance(value, Pack):
            return ()
        if isinstance(value, Static):
            if not is_const(value.obj):
                return ()
            value = Const(py_const(value.obj))
        if not isinstance(value, Const):
            return ()
        out.append(value.value)
    return tuple(out)


def aug_assign(cx: Context, stmt: gast.AugAssign) -> None:
    prim = BINOPS.get(type(stmt.op))
    if prim is None:
        raise cx.error(stmt, f"the operator {type(stmt.op).__name__} is not supported")
    if isinstance(stmt.target, gast.Name):
        aug_assign_name(cx, stmt, prim)
    elif isinstance(stmt.target, gast.Subscript):
        aug_assign_subscript(cx, stmt, prim)
    elif isinstance(stmt.target, gast.Attribute):
        raise cx.error(stmt, _ATTRIBUTE_WRITE)
    else:
        raise cx.error(stmt, "augmented assignment to this target is not supported")


def assign(cx: Context, target: gast.AST, value: Lowered, value_node: gast.AST | None) -> None:
    if isinstance(target, gast.Name):
        if isinstance(value, Var) and rename_last(cx, value, target.id):
            value = Var(cx.block.ops[-1].results[0])
        cx.env[target.id] = value
    elif isinstance(target, (gast.Tuple, gast.List)):
        unpack(cx, target, value)
    elif isinstance(target, gast.Subscript):
        assign_subscript(cx, target, value)
    elif isinstance(target, gast.Attribute):
        raise cx.error(target, _ATTRIBUTE_WRITE)
    else:
        raise cx.error(target, "assignment to this kind of target is not supported")


def unpack(cx: Context, target: gast.Tuple | gast.List, value: Lowered) -> None:
    """``a, b = value``, ``a, *rest = value`` (tuples, lists, arrays)."""
    value = live(cx, value, target)
    n = len(target.elts)
    star = [k for k, t in enumerate(target.elts) if isinstance(t, gast.Starred)]
    items: list[Lowered]
    if isinstance(value, Multi) and len(value.values) == n and not star:
        items = name_results(cx, value, list(target.elts))
    elif isinstance(value, Parts):
        items = list(value.values)
    elif isinstance(value, Pack) and value.kind != "dict":
        items = list(value.items)
    elif isinstance(value, Const) and isinstance(value.value, tuple):
        items = [Const(v) for v in value.value]
    elif isinstance(value, Var) and not star:
        # Python iterates: the items of a tuple, the rows of an array.
        items = [cx.emit("getitem", [value, Const(k)]) for k in range(n)]
    else:
        raise cx.error(target, "this unpacking is not supported; assign the parts one by one")
    if star:
        k = star[0]
        after = n - k - 1
        if len(items) < n - 1:
            raise cx.error(target, f"cannot unpack {len(items)} values into {n - 1} or more names")
        rest = Pack("list", tuple(items[k : len(items) - after]))
        items = items[:k] + [rest] + items[len(items) - after :]
        targets = [t.value if isinstance(t, gast.Starred) else t for t in target.elts]
    else:
        targets = list(target.elts)
        if len(items) != n:
            raise cx.error(target, f"cannot unpack {len(items)} values into {n} names")
    for t, v in zip(targets, items, strict=True):
        assign(cx, t, v, None)


def name_results(cx: Context, value: Multi, targets: list[gast.AST]) -> list[Lowered]:
    """Give the results of the call that just ran the names they are unpacked to."""
    op = cx.block.ops[-1] if cx.block.ops else None
    if op is None or op.results != [v.name for v in value.values]:
        return list(value.values)
    for k, t in enumerate(targets):
        if isinstance(t, gast.Name):
            op.results[k] = cx.namer.claim(t.id)
    return [Var(r) for r in op.results]


def rename_last(cx: Context, value: Var, user_name: str) -> bool:
    """Give the op that just computed ``value`` the user's variable name."""
    ops = cx.block.ops
    if not ops or ops[-1].results != [value.name] or value.name in bound_names(cx):
        return False
    ops[-1].results = [cx.namer.claim(user_name)]
    cx.aliases.renamed(value.name, ops[-1].results[0])
    return True


def stmt_Assign(cx: Context, stmt: gast.Assign) -> None:
    value = cx.expr(stmt.value)
    for target in stmt.targets:
        assign(cx, target, value, stmt.value)


def stmt_AnnAssign(cx: Context, stmt: gast.AnnAssign) -> None:
    if stmt.value is not None:
        assign(cx, stmt.target, cx.expr(stmt.value), stmt.value)


def stmt_Expr(cx: Context, stmt: gast.Expr) -> None:
    if isinstance(stmt.value, gast.Constant):
        return  # a docstring or a bare literal: no effect
    call = stmt.value
    if (
        isinstance(call, gast.Call)
        and isinstance(call.func, gast.Attribute)
        and call.func.attr in lists.METHODS
    ):
        base = live(cx, cx.expr(call.func.value), call.func.value)
        if lists.is_listlike(cx, base):
            lists.method(cx, call, base)
            return
    if isinstance(call, gast.Call) and effects.statement(cx, call):
        return
    if (
        isinstance(stmt.value, gast.Call)
        and isinstance(stmt.value.func, gast.Attribute)
        and stmt.value.func.attr in WRITING_METHODS
    ):
        raise cx.error(
            stmt,
            f"the method .{stmt.value.func.attr}() changes an object "
            "in place, which adgen does not support; build a new value "
            "(e.g. xs = xs + [v], or collect values and np.stack them)",
        )
    raise cx.error(
        stmt,
        "a statement whose value is thrown away (a call made for "
        "its side effect) is not supported; adgen differentiates pure "
        "computations: remove it or assign its result",
    )


def stmt_Pass(cx: Context, stmt: gast.Pass) -> None:
    return


# What lowers each kind of node (a node of another kind is refused with advice).
EXPRESSIONS: dict[type, Handler] = {
    gast.Constant: expressions.expr_Constant,
    gast.Name: expressions.expr_Name,
    gast.Attribute: expressions.expr_Attribute,
    gast.BinOp: expressions.expr_BinOp,
    gast.UnaryOp: expressions.expr_UnaryOp,
    gast.Compare: expressions.expr_Compare,
    gast.Tuple: expressions.expr_Tuple,
    gast.List: expressions.expr_List,
    gast.Dict: expressions.expr_Dict,
    gast.Call: expressions.expr_Call,
    gast.Subscript: indexing.expr_Subscript,
    gast.IfExp: control.expr_IfExp,
    gast.BoolOp: control.expr_BoolOp,
    gast.Lambda: local_functions.expr_Lambda,
    gast.JoinedStr: effects.expr_JoinedStr,
}
STATEMENTS: dict[type, Handler] = {
    gast.Assign: stmt_Assign,
    gast.AnnAssign: stmt_AnnAssign,
    gast.AugAssign: aug_assign,
    gast.Expr: stmt_Expr,
    gast.Pass: stmt_Pass,
    gast.If: control.stmt_If,
    gast.Break: control.stmt_Break,
    gast.Continue: control.stmt_Continue,
    gast.Return: control.stmt_Return,
    gast.For: loops.stmt_For,
    gast.While: loops.stmt_While,
    gast.FunctionDef: local_functions.stmt_FunctionDef,
    gast.Assert: effects.stmt_Assert,
    gast.Raise: effects.stmt_Raise,
}


def context_for(
    parsed: ParsedFunction,
    program: Program | None = None,
    trees: tuple[Any, ...] | None = None,
    types: tuple[Any, ...] | None = None,
) -> Context:
    """A context to lower ``parsed`` with (in ``program``, or a new one)."""
    cx = Context(
        parsed,
        program if program is not None else Program(),
        trees,
        EXPRESSIONS,
        STATEMENTS,
        lower_callee,
    )
    cx.types = types
    return cx


def lower_function(
    f: Any,
    program: Program | None = None,
    trees: tuple[Any, ...] | None = None,
    types: tuple[Any, ...] | None = None,
) -> Function:
    """Parse and lower the Python function ``f`` to IR (in ``program``, or a new one).

    ``trees`` gives the container structure of each argument (see adgen.trees),
    ``types`` the type of each (see introspection.py).
    """
    return function(context_for(parse_function(f), program, trees, types))


def lower_callee(f: Any, program: Program, trees: tuple[Any, ...] | None = None) -> Function:
    """Lower ``f`` as called from another function: its changes to its argument
    arrays come back to the caller (see user_calls.py). ``trees``: the container
    structure of its arguments (``*args``, ``**kwargs``, tuples, parameter objects)."""
    cx = context_for(parse_function(f), program, trees)
    cx.callee = True
    return function(cx)
