"""The intermediate representation: a structured SSA list of primitive ops.

A :class:`Function` has parameters and a body :class:`Block`. A block is a list
of :class:`Op` followed by the values it yields (for the function body, the
returned values). Every op defines fresh names (``results``) that no other op
defines again, and uses only names defined before it in program order:
parameters, results of earlier ops, or *free* names bound in
``Function.freevars`` (closure cells, module constants). Scoping is Python's,
per function: a name a branch of an ``if`` defines may be read after the
``if`` where the same branch is known to have run (a reverse sweep reads
its forward branch's values that way), and a ``while`` body reads what its
condition block defines.

Control flow is structured, as in MLIR's ``scf`` dialect: an op may hold nested
blocks (``Op.blocks``) whose parameters and yields name the values that flow in
and out explicitly. Straight-line primitives have no blocks. What each
control-flow primitive expects of its blocks is stated where it is defined.

Operands are :class:`Var` (a name) or :class:`Const` (a Python constant: a
number, ``None``, a string or a tuple of these). Static attributes that steer a
primitive but are never differentiated (``axis``, ``keepdims``) live in
``Op.attrs``, and must be hashable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Var:
    """A use of an SSA name."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A literal operand. ``value`` is a number, bool, None, str or tuple of those."""

    value: Any

    def __str__(self) -> str:
        return repr(self.value)

    def __eq__(self, other: object) -> bool:
        # 1 == 1.0 == True in Python; constants must keep their type apart.
        return (
            isinstance(other, Const)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((type(self.value).__name__, self.value))


Value = Var | Const


@dataclass(frozen=True)
class Loc:
    """Where an op came from in the user's source."""

    filename: str
    lineno: int
    col: int
    text: str

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


@dataclass
class Block:
    """A list of ops with named parameters and the values it yields."""

    params: list[str] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    results: list[Value] = field(default_factory=list)


@dataclass
class Op:
    """One primitive application: ``results = prim(*args, **attrs)``.

    Constructing an ``Op`` whose ``prim`` is a control-flow primitive gives an
    instance of its typed subclass (:class:`If`, :class:`ForRange`,
    :class:`While`), so every op of those primitives has their named fields,
    however it was made (a pass's copy included).
    """

    results: list[str]
    prim: str
    args: list[Value]
    attrs: dict[str, Any] = field(default_factory=dict)
    loc: Loc | None = None
    blocks: list[Block] = field(default_factory=list)
    # What the op is for in a derivative: "" (primal), "tangent" or "adjoint".
    tag: str = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Op:
        prim = args[1] if len(args) > 1 else kwargs.get("prim")
        if cls is Op and prim in CONTROL:
            cls = CONTROL[prim]
        return object.__new__(cls)

    @property
    def result(self) -> str:
        """The single result name of a one-result op."""
        assert len(self.results) == 1, self
        return self.results[0]


class If(Op):
    """``results = then if cond else orelse``: blocks ``[then, orelse]``.

    Neither block has parameters; each yields one value per result.
    """

    @classmethod
    def new(
        cls,
        results: list[str],
        cond: Value,
        then: Block,
        orelse: Block,
        loc: Loc | None = None,
        tag: str = "",
    ) -> If:
        return cls(results, "if", [cond], {}, loc, [then, orelse], tag)

    @property
    def cond(self) -> Value:
        return self.args[0]

    @property
    def then(self) -> Block:
        return self.blocks[0]

    @property
    def orelse(self) -> Block:
        return self.blocks[1]


class Loop(Op):
    """What :class:`ForRange` and :class:`While` share: carried values and an exit flag.

    The body yields the next value of each carried value, then, when
    ``exits`` is set, a flag that leaves the loop (``break``). The op's
    results are the carried values' last versions.
    """

    @property
    def body(self) -> Block:
        return self.blocks[-1]

    @property
    def exits(self) -> bool:
        return bool(self.attrs.get("exits"))

    @property
    def inits(self) -> list[Value]:
        raise NotImplementedError

    @property
    def carried(self) -> list[str]:
        raise NotImplementedError

    @property
    def yields(self) -> list[Value]:
        """The next value of each carried value (the body's results less the flag)."""
        return self.body.results[: len(self.carried)]

    @property
    def exit_flag(self) -> Value | None:
        return self.body.results[-1] if self.exits else None


class ForRange(Loop):
    """``for index in range(start, stop, step)`` with carried values: block ``[body]``.

    The body's parameters are ``(index, *carried)``. ``reverse`` runs the range
    backwards (``reversed(range(...))``).
    """

    @classmethod
    def new(
        cls,
        results: list[str],
        bounds: list[Value],
        inits: list[Value],
        body: Block,
        *,
        reverse: bool = False,
        exits: bool = False,
        loc: Loc | None = None,
        tag: str = "",
    ) -> ForRange:
        assert len(bounds) == 3, bounds
        return cls(
            results,
            "for_range",
            [*bounds, *inits],
            {"reverse": reverse, "exits": exits},
            loc,
            [body],
            tag,
        )

    @property
    def bounds(self) -> list[Value]:
        """``[start, stop, step]``."""
        return self.args[:3]

    @property
    def inits(self) -> list[Value]:
        return self.args[3:]

    @property
    def index(self) -> str:
        return self.body.params[0]

    @property
    def carried(self) -> list[str]:
        return self.body.params[1:]

    @property
    def reverse(self) -> bool:
        return bool(self.attrs.get("reverse"))


class While(Loop):
    """``while cond: body`` with carried values: blocks ``[head, body]``.

    ``head`` has the carried values as parameters and yields the loop's
    condition; ``body`` has no parameters (it sees what ``head`` defines).
    """

    @classmethod
    def new(
        cls,
        results: list[str],
        inits: list[Value],
        head: Block,
        body: Block,
        *,
        exits: bool = False,
        loc: Loc | None = None,
        tag: str = "",
    ) -> While:
        return cls(results, "while", list(inits), {"exits": exits}, loc, [head, body], tag)

    @property
    def head(self) -> Block:
        return self.blocks[0]

    @property
    def inits(self) -> list[Value]:
        return self.args

    @property
    def carried(self) -> list[str]:
        return self.head.params

    @property
    def cond(self) -> Value:
        return self.head.results[0]


# Control-flow primitive -> its typed op class.
CONTROL: dict[str, type[Op]] = {"if": If, "for_range": ForRange, "while": While}


@dataclass
class Function:
    """A function in IR form.

    ``params`` are the positional parameter names; ``body.results`` are the
    returned values, and ``returns_tuple`` says whether the Python function
    returns a tuple of them (else exactly one value). ``freevars`` maps free
    names to the objects they denote (closure cells, module constants);
    ``defaults`` holds the defaults of the trailing parameters.
    """

    name: str
    params: list[str]
    body: Block
    returns_tuple: bool = False
    freevars: dict[str, Any] = field(default_factory=dict)
    defaults: tuple[Any, ...] = ()
    filename: str = "<unknown>"
    doc: str = ""
    # How body.results nest into the returned value: an index into
    # body.results, or a tuple of such structures. None: ``returns_tuple`` says.
    structure: Any = None
    # Module globals read when lowering (name -> object), to notice rebinding.
    global_deps: dict[str, Any] = field(default_factory=dict)
    # SSA name -> the stem it was named from (see Namer.family).
    families: dict[str, str] = field(default_factory=dict)
    # Pairs of names known to have equal shapes (an adjoint and its primal...).
    shape_links: list[tuple[str, str]] = field(default_factory=list)
    # The program this function belongs to (its callees); see adgen.program.
    program: Any = field(default=None, repr=False, compare=False)
    # Lists and dicts in the returned value (see adgen.trees); None: only tuples.
    result_tree: Any = None
    # For container arguments: user parameter name -> its leaf parameters.
    param_leaves: dict[str, list[str]] | None = None
    # A function called from another (see adgen.frontend.user_calls): (parameter
    # index, result index) for each argument array it changes in place, whose new
    # value it returns after its own results (``structure`` is then ``(own, k...)``);
    # and (result index, parameter index, relation) for each result that may share
    # memory with an argument array (a relation of adgen.frontend.aliasing).
    argument_writes: tuple[tuple[int, int], ...] = ()
    result_aliases: tuple[tuple[int, int, Any], ...] = ()
    # Positions of the parameters whose types (see adgen.frontend.introspection) the
    # lowering folded on (isinstance, methods...): code valid only for those types.
    type_deps: tuple[int, ...] = ()

    def result_structure(self) -> Any:
        if self.structure is not None:
            return self.structure
        n = len(self.body.results)
        return tuple(range(n)) if self.returns_tuple else 0


def flatten_structure(
    structure: Any, path: tuple[int, ...] = ()
) -> list[tuple[tuple[int, ...], int]]:
    """(path, result index) for each leaf of a result structure, in order."""
    if isinstance(structure, tuple):
        out = []
        for k, s in enumerate(structure):
            out.extend(flatten_structure(s, path + (k,)))
        return out
    return [(path, structure)]
