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

import dataclasses
import itertools
from collections.abc import Iterator
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
    """One primitive application: ``results = prim(*args, **attrs)``."""

    results: list[str]
    prim: str
    args: list[Value]
    attrs: dict[str, Any] = field(default_factory=dict)
    loc: Loc | None = None
    blocks: list[Block] = field(default_factory=list)
    # What the op is for in a derivative: "" (primal), "tangent" or "adjoint".
    tag: str = ""

    @property
    def result(self) -> str:
        """The single result name of a one-result op."""
        assert len(self.results) == 1, self
        return self.results[0]


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

    def result_structure(self) -> Any:
        if self.structure is not None:
            return self.structure
        n = len(self.body.results)
        return tuple(range(n)) if self.returns_tuple else 0


def flatten_structure(structure: Any, path: tuple[int, ...] = ()) -> list[
        tuple[tuple[int, ...], int]]:
    """(path, result index) for each leaf of a result structure, in order."""
    if isinstance(structure, tuple):
        out = []
        for k, s in enumerate(structure):
            out.extend(flatten_structure(s, path + (k,)))
        return out
    return [(path, structure)]


def walk(block: Block) -> Iterator[Op]:
    """Every op in ``block`` and its nested blocks, outer op before inner ones."""
    for op in block.ops:
        yield op
        for inner in op.blocks:
            yield from walk(inner)


def all_names(fn: Function) -> set[str]:
    """Every name defined anywhere in ``fn`` (parameters, results, block params)."""
    names = set(fn.params) | set(fn.freevars)
    stack = [fn.body]
    while stack:
        block = stack.pop()
        names.update(block.params)
        for op in block.ops:
            names.update(op.results)
            stack.extend(op.blocks)
    return names


class Namer:
    """Hands out names that no other value of a function uses.

    Names stay close to the user's: the first version of ``x`` is ``x``, later
    ones ``x1``, ``x2``... (``t1_1`` after a name that ends in a digit);
    temporaries are ``t1``, ``t2``... ``taken`` names are never handed out;
    ``soft`` names (the user's own variables) are handed out only by
    :meth:`claim`, so temporaries never shadow a name the user wrote. Fresh
    names are deterministic, so a function always prints the same way.
    """

    def __init__(self, taken: set[str] | None = None, soft: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())
        self.soft: set[str] = set(soft or ()) - self.taken
        self._counters: dict[str, itertools.count[int]] = {}
        # Name -> the stem it was made from (user variable, ``bx``...); temporaries
        # have none. The emitter lets values of one family share a Python name.
        self.family: dict[str, str] = {}

    def reserve(self, name: str) -> None:
        self.taken.add(name)
        self.soft.discard(name)

    def claim(self, name: str) -> str:
        """``name`` itself if no value has it yet, else a fresh version of it."""
        if name not in self.taken:
            self.reserve(name)
            self.family[name] = name
            return name
        return self.fresh(name)

    def fresh(self, base: str = "t") -> str:
        if base != "t" and base not in self.taken and base not in self.soft:
            self.reserve(base)
            self.family[base] = base
            return base
        sep = "_" if base[-1].isdigit() else ""
        counter = self._counters.setdefault(base, itertools.count(1))
        while True:
            name = f"{base}{sep}{next(counter)}"
            if name not in self.taken and name not in self.soft:
                self.reserve(name)
                if base != "t":
                    self.family[name] = base
                return name


def _fmt_attrs(attrs: dict[str, Any]) -> str:
    return "".join(f", {k}={v!r}" for k, v in sorted(attrs.items()))


def _print_block(block: Block, indent: str, out: list[str]) -> None:
    for op in block.ops:
        args = ", ".join(str(a) for a in op.args)
        lhs = ", ".join(op.results)
        loc = f"  # {op.loc}" if op.loc else ""
        out.append(f"{indent}{lhs} = {op.prim}({args}{_fmt_attrs(op.attrs)}){loc}".rstrip())
        for i, inner in enumerate(op.blocks):
            params = ", ".join(inner.params)
            out.append(f"{indent}  block {i}({params}):")
            _print_block(inner, indent + "    ", out)
    if block.results:
        out.append(f"{indent}yield {', '.join(str(v) for v in block.results)}")


def format_function(fn: Function) -> str:
    """Stable, deterministic text of ``fn`` (used by ``adgen ir`` and tests)."""
    out = [f"func {fn.name}({', '.join(fn.params)}):"]
    if fn.freevars:
        out.append(f"  free {', '.join(sorted(fn.freevars))}")
    _print_block(fn.body, "  ", out)
    if out[-1].lstrip().startswith("yield"):
        out[-1] = out[-1].replace("yield", "return", 1)
    return "\n".join(out) + "\n"


class VerifyError(AssertionError):
    """The IR breaks one of the invariants stated in this module's docstring."""


def verify(fn: Function) -> None:
    """Check SSA and scoping invariants; raise :class:`VerifyError` if broken."""
    from .primitives import PRIMITIVES

    defined_once: set[str] = set()

    def define(name: str) -> None:
        if name in defined_once:
            raise VerifyError(f"{fn.name}: {name!r} is defined twice")
        defined_once.add(name)

    visible: set[str] = set(fn.freevars)

    def check(block: Block) -> None:
        for p in block.params:
            define(p)
            visible.add(p)
        for op in block.ops:
            prim = PRIMITIVES.get(op.prim)
            if prim is None:
                raise VerifyError(f"{fn.name}: unknown primitive {op.prim!r}")
            if prim.nargs is not None and len(op.args) != prim.nargs:
                raise VerifyError(
                    f"{fn.name}: {op.prim} takes {prim.nargs} operands, got {len(op.args)}"
                )
            for a in op.args:
                if isinstance(a, Var) and a.name not in visible:
                    raise VerifyError(f"{fn.name}: {a.name!r} used before definition in {op}")
            for inner in op.blocks:
                check(inner)
            for r in op.results:
                define(r)
                visible.add(r)
        for v in block.results:
            if isinstance(v, Var) and v.name not in visible:
                raise VerifyError(f"{fn.name}: result {v.name!r} is not defined")

    for p in fn.params:
        define(p)
        visible.add(p)
    check(fn.body)


def clone_block(block: Block) -> Block:
    """A copy of ``block`` that passes may change without touching the original."""
    return Block(
        list(block.params),
        [
            Op(list(op.results), op.prim, list(op.args), dict(op.attrs), op.loc,
               [clone_block(b) for b in op.blocks], op.tag)
            for op in block.ops
        ],
        list(block.results),
    )


def clone(fn: Function) -> Function:
    """A copy of ``fn`` whose ops can be changed freely; free values are shared."""
    return dataclasses.replace(
        fn,
        params=list(fn.params),
        body=clone_block(fn.body),
        freevars=dict(fn.freevars),
        global_deps=dict(fn.global_deps),
        families=dict(fn.families),
        shape_links=list(fn.shape_links),
    )
