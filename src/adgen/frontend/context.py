"""The state of lowering one function, and the two entry points every construct uses.

:class:`Context` holds what lowering a function needs: the parsed source,
the program its callees go to, the namer, the :class:`~adgen.frontend.scope.Scope`
(block, bindings, location), free values, the alias table, and the loop and
inlining depths. Modules that lower a construct are functions of a context;
they lower sub-expressions and nested statements through :meth:`Context.expr`
and :meth:`Context.statement`, which dispatch on the node's type through the
tables given at construction (:mod:`adgen.frontend.lower` assembles them). So
each module imports only downward, and none needs to know the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gast

from .. import custom
from ..errors import UnsupportedSyntaxError
from ..ir import Block, Loc, Namer, Op, Var
from ..ir.names import RESERVED
from ..primitives import PRIMITIVES
from ..primitives.lists import takes_lists
from ..program import Program
from .aliasing import AliasTable
from .parse import ParsedFunction, unsupported
from .scope import Scope

Handler = Callable[["Context", Any], Any]


class Context:
    """Lowering one function. Build it with :func:`adgen.frontend.lower.context_for`."""

    def __init__(
        self,
        parsed: ParsedFunction,
        program: Program,
        trees: tuple[Any, ...] | None,
        expressions: Mapping[type, Handler],
        statements: Mapping[type, Handler],
        lower_callee: Callable[[Any, Program], Any],
    ) -> None:
        self.p = parsed
        self.program = program
        self.namer = Namer(
            taken=set(RESERVED) | custom.binding_names(),
            soft={n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)},
        )
        self.scope = Scope()
        self.freevars: dict[str, Any] = {}
        self.aliases = AliasTable()
        # Container structure of each parameter (None: a plain value); see trees.py.
        self.trees = trees
        # The type_key of each argument of the call compiled for (None: not known),
        # the SSA name of each plain parameter -> its position, and the positions
        # whose types were folded on (see introspection.py).
        self.types: tuple[Any, ...] | None = None
        self.param_types: dict[str, int] = {}
        self.type_deps: set[int] = set()
        self.param_leaves: dict[str, list[str]] | None = None
        self.result_structure: Any = None
        self.result_tree: Any = None
        self.loop_depth = 0
        self.callee = False  # lowered as called from another function (user_calls.py)
        self.packed_params: dict[str, Any] = {}  # a callee's container parameters
        # Lists and dicts the caller passed in: changing them is refused (basics.py).
        self.argument_packs: list[Any] = []
        # Frames left by a return in an if whose test was known (control.stmt_If).
        self.folded_exits: list[Any] = []
        self.inline_depth = 0
        self.lowered_statements = 0  # statements lowered, nested ones included (tests)
        self._expressions = expressions
        self._statements = statements
        # Lowers a user function called from this one (program.callee's callback).
        self.lower_callee = lower_callee

    # The current frame's parts (see scope.py).
    @property
    def env(self) -> dict[str, Any]:
        return self.scope.frame.env

    @property
    def block(self) -> Block:
        return self.scope.frame.block

    @property
    def loc(self) -> Loc | None:
        return self.scope.frame.loc

    def error(self, node: Any, message: str) -> UnsupportedSyntaxError:
        return self.p.error(node, message)

    def set_loc(self, node: Any) -> None:
        lineno = getattr(node, "lineno", None)
        if lineno is not None:
            self.scope.frame.loc = Loc(
                self.p.filename,
                lineno + self.p.line_offset,
                (getattr(node, "col_offset", 0) or 0) + self.p.col_offset,
                self.p.source_line(lineno),
            )

    def emit(
        self, prim: str, args: list[Any], attrs: dict[str, Any] | None = None, base: str = "t"
    ) -> Var:
        """Append ``prim(*args, **attrs)`` to the current block; attributes equal to the
        primitive's defaults are left out."""
        entry = PRIMITIVES[prim]
        if self.aliases.lists and not takes_lists(prim):
            # NumPy makes an array of a list it is given.
            args = [
                self.emit("list_join", [a], {"join": "array"})
                if isinstance(a, Var) and a.name in self.aliases.lists
                else a
                for a in args
            ]
        shown = {k: v for k, v in (attrs or {}).items() if entry.attrs.get(k, object()) != v}
        name = self.namer.fresh(base)
        op = Op([name], prim, list(args), shown, self.loc)
        self.block.ops.append(op)
        self.aliases.note_op(op)
        return Var(name)

    def expr(self, node: gast.AST) -> Any:
        """Lower an expression (see values.py for what it may denote)."""
        handler = self._expressions.get(type(node))
        if handler is None:
            raise self.error(node, unsupported(node))
        return handler(self, node)

    def statement(self, stmt: gast.stmt) -> None:
        """Lower one statement in the current frame."""
        self.lowered_statements += 1
        handler = self._statements.get(type(stmt))
        if handler is None:
            raise self.error(stmt, unsupported(stmt))
        handler(self, stmt)
