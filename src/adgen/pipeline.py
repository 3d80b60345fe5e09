"""The pipeline: the one place where lower -> differentiate -> optimize -> emit is chained.

:data:`STAGES` lists the stages in order, each with the reason it sits where
it does; :func:`run` runs them for one :class:`Request`. ``adgen.api`` (via
:mod:`adgen.cache`), ``adgen.aot``, ``adgen ir`` and the tests all call
:func:`run`, so they see the same compiler. Every stage applies to the
function asked for and to every function of its program it calls (the
user's helpers and their derivatives, see :mod:`adgen.program`).

``check=True`` runs :func:`adgen.ir.verify` after every IR stage on every
function; it is off by default (a user's first call stays fast) and on when
the environment sets ``ADGEN_CHECK_IR=1``, as the test suite does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .analysis.types import Types, kind_link, shape_class
from .backend.array_api import emit_array_api
from .backend.emit import Emitted, emit_function
from .backend.numba import emit_numba
from .backend.numba import refusal as numba_refusal
from .custom import lower_custom
from .errors import DifferentiationError
from .frontend.lower import lower_function
from .ir import Function, Op, Var, VerifyError, all_names, clone, flatten_structure, format_function
from .ir import verify as verify_ir
from .jit import NumbaRefusal
from .passes import cse, dce, licm, shift_invariance, simplify
from .primitives import PRIMITIVES
from .program import Kind
from .runtime import HELPERS
from .transforms.batching import batch
from .transforms.forward import forward
from .transforms.reverse import reverse
from .version import __version__

__all__ = ["STAGES", "Kind", "Request", "Stage", "State", "derive", "describe", "lower", "run"]

#: Verify the IR after every stage unless a caller says otherwise (see the module doc).
CHECK = os.environ.get("ADGEN_CHECK_IR", "") not in ("", "0")


@dataclass(frozen=True)
class Request:
    """What to compile: ``func`` lowered, and (unless ``kind`` is None) its derivative.

    ``wrt`` names parameters of ``func``; with container arguments (``trees``,
    see :mod:`adgen.trees`) each is replaced by its leaves and the gradients
    come back as one flat tuple. ``shapes`` are the shapes of a call's
    arguments (code specialised to them drops broadcasting helpers);
    ``conform`` makes each gradient take its input's type in the generated
    code itself (modules written ahead of time have no caller to do it);
    ``name`` is the generated function's name (default: the IR's own).
    ``has_aux``: ``func`` returns ``(value, aux)``; only ``value`` is
    differentiated, and the generated function returns ``(derivative, aux)``.
    ``backend``, ``fallback`` and ``jit_cache`` choose the numba backend (adgen.jit).
    ``value=False``: the caller of a ``grad`` discards the value, so the generated
    function may return the gradient(s) alone, without computing what only the
    value needs; it does when the shape analysis proves the result a scalar (a
    non-scalar result must still be refused), and then sets ``State.value_free``.
    """

    func: Any  # a Python function, a derivative adgen made, or IR already lowered
    kind: Kind | None = None
    wrt: tuple[str, ...] = ()
    as_tuple: bool = False
    trees: tuple[Any, ...] | None = None
    shapes: tuple[Any, ...] | None = None
    # Beside each shape: "float" (a Python float), a dtype string ("<f8") or None.
    kinds: tuple[Any, ...] | None = None
    # The type of each argument of the call it is for (adgen.frontend.introspection.type_key);
    # None: not known (isinstance and methods of arguments are then refused).
    types: tuple[Any, ...] | None = None
    conform: bool = False
    name: str | None = None
    has_aux: bool = False
    # "numba": emit for numba (see adgen.backend.numba, adgen.jit); ``fallback``
    # "numpy" answers what numba cannot compile with the NumPy backend; ``jit_cache``
    # lets numba cache machine code on disk.
    backend: str = "numpy"
    fallback: str | None = None
    jit_cache: bool = False
    value: bool = True
    # The tangents (jvp) or the cotangent (vjp) carry a leading batch axis
    # (adgen.transforms.batching); raises NotBatchable when the code cannot.
    # ``shapes`` may then go on with the shape of one example of each of them.
    batched: bool = False
    # With ``batched``: the primal's last ``batched_with`` parameters carry the batch axis
    # too (the tangents of an inner JVP, for all levels of a Jacobian in one batch).
    batched_with: int = 0
    # An array library other than NumPy ("dask", "torch"...): emit array-API code
    # (adgen.backend.array_api) that runs on the namespace of its arguments.
    array_api: str | None = None


@dataclass
class State:
    """What the stages have made so far.

    ``fn`` is the function being compiled (the primal until ``differentiate``,
    then its derivative); ``callees`` are copies of the functions it calls,
    which the later stages change alongside it; ``emitted`` holds the source
    of ``fn`` then of each callee once ``emit`` ran; ``dumps`` the text after
    each stage asked for in ``dump_after``.
    """

    request: Request
    primal: Function | None = None
    fn: Function | None = None
    wrt: list[str] = field(default_factory=list)
    as_tuple: bool = False
    callees: list[Function] = field(default_factory=list)
    emitted: list[Emitted] = field(default_factory=list)
    dumps: list[tuple[str, str]] = field(default_factory=list)
    # With has_aux: the aux results (values of the primal) and their structure and tree.
    aux: list[Any] = field(default_factory=list)
    aux_structure: Any = None
    aux_tree: Any = None
    # The derivative returns the gradient(s) alone (see Request.value).
    value_free: bool = False

    def functions(self) -> list[Function]:
        """``fn`` and its callees, in emission order."""
        return [f for f in (self.fn, *self.callees) if f is not None]


@dataclass(frozen=True)
class Stage:
    """One step of the pipeline: its name, what it does to a state, and why it is there."""

    name: str
    run: Callable[[State], None]
    why: str
    ir: bool = True  # whether it leaves IR behind (the last stage leaves source)


# ------------------------------------------------------------------ lowering


def lower(
    f: Any, trees: tuple[Any, ...] | None = None, types: tuple[Any, ...] | None = None
) -> Function:
    """The IR of ``f``: lowered from source, or kept by adgen if it generated ``f``
    (or a copy of ``f`` if it is IR already, lowered once for several requests).

    ``trees`` gives the container structure of each argument (see adgen.trees).
    """
    if isinstance(f, Function):
        return clone(f)
    ir = getattr(f, "_adgen_ir", None)
    if ir is not None:
        if trees is not None and getattr(f, "_lead", None) is not None:
            return ir(types, trees)  # a derivative object: see adgen.derivative_trees
        if trees is not None:
            raise DifferentiationError(
                "differentiating a derivative with tuple, list or dict arguments is not "
                "supported; pass arrays"
            )
        fn = clone((ir(types) if types else ir()) if callable(ir) else ir)
        if fn.program is not None:  # derivatives of it go into a program of its own
            fn.program = fn.program.copy()
        return fn
    ruled = lower_custom(f)
    if ruled is not None and trees is None:
        return ruled
    return lower_function(f, trees=trees, types=types)


def _callees(fn: Function) -> list[Function]:
    """Copies of the functions ``fn`` calls, directly or not (stages change the copies:
    the program's own stay as lowered, for derivatives still to be taken)."""
    return [] if fn.program is None else [clone(c) for c in fn.program.reachable(fn)]


def _lower(state: State) -> None:
    req = state.request
    primal = lower(req.func, req.trees, req.types)
    wrt, as_tuple = list(req.wrt), req.as_tuple
    if primal.param_leaves is not None:
        wrt = [leaf for w in wrt for leaf in primal.param_leaves.get(w, [w])]
        as_tuple = True
    missing = [w for w in wrt if w not in primal.params]
    if missing:
        raise DifferentiationError(f"{primal.name} has no parameter {missing[0]!r}")
    if req.has_aux:
        _split_aux(state, primal)
    state.primal = state.fn = primal
    state.wrt, state.as_tuple = wrt, as_tuple
    state.callees = _callees(primal)


def _renumbered(structure: Any, results: list[Any], out: list[Any]) -> Any:
    """``structure`` over ``out``, to which the results it names are appended."""
    if isinstance(structure, tuple):
        return tuple(_renumbered(s, results, out) for s in structure)
    out.append(results[structure])
    return len(out) - 1


def _split_aux(state: State, primal: Function) -> None:
    """Keep only the value of a ``(value, aux)`` result; the aux goes into ``state``."""
    structure = primal.result_structure()
    if not (isinstance(structure, tuple) and len(structure) == 2):
        raise DifferentiationError(
            f"has_aux=True: {primal.name} must return a pair (value, aux), the value to "
            "differentiate and what to return beside the derivative"
        )
    values: list[Any] = []
    value_structure = _renumbered(structure[0], primal.body.results, values)
    state.aux_structure = _renumbered(structure[1], primal.body.results, state.aux)
    primal.body.results = values
    primal.structure = value_structure
    primal.returns_tuple = isinstance(value_structure, tuple)
    tree = primal.result_tree
    if tree is not None and tree[0] != "tuple":
        raise DifferentiationError(
            f"has_aux=True: {primal.name} must return a tuple (value, aux), not a {tree[0]}"
        )
    if tree is not None:
        primal.result_tree, state.aux_tree = tree[1]


# ------------------------------------------------------------ differentiating


def _transform(
    fn: Function, kind: Kind, wrt: list[str], as_tuple: bool, internal: bool, program: Any = None
) -> Function:
    fn = clone(fn)
    if program is not None:  # a callee: its derivatives go where its caller's went
        fn.program = program
    # Links between names optimisation removed would bind those names anew when
    # the transform reuses them: keep only the links of names still defined.
    names = all_names(fn)
    fn.shape_links = [
        (a, b)
        for a, b in fn.shape_links
        if (a in names or a.startswith("%")) and (b in names or b.startswith("%"))
    ]
    if kind == "jvp":
        return forward(fn, wrt)
    return reverse(fn, wrt, "one" if kind == "grad" else "cotangent", as_tuple, packed=not internal)


def derive(
    fn: Function, kind: Kind, wrt: list[str], as_tuple: bool = False, internal: bool = False
) -> Function:
    """The derivative function's IR (not yet optimized), and the derivatives of
    every callee it calls, built into its program.

    ``internal`` derivatives are those of callees, called by generated code:
    their VJPs take one cotangent per result.
    """
    out = _transform(fn, kind, wrt, as_tuple, internal)
    program = out.program
    while program is not None and program.pending:
        new, name, k, w = program.pending.pop(0)
        callee = program.functions[name]
        dfn = _transform(callee, k, list(w), False, internal=True, program=program)
        dfn.name = new
        dfn.doc = describe(callee, k, list(w), internal=True)
        program.functions[new] = dfn
    return out


def shape_links(
    params: list[str], shapes: tuple[Any, ...] | None, kinds: tuple[Any, ...] | None = None
) -> list[tuple[str, str]]:
    """Shape classes known from the arguments of a call: parameters given a number
    are scalars, parameters given arrays of one shape share a class; with ``kinds``,
    a parameter given a Python float or a float array is linked to a name of its
    own that says so (:func:`adgen.analysis.types.kind_link`: a class of one, so
    no other value's shape is implied)."""
    if not shapes:
        return []
    links: list[tuple[str, str]] = []
    first: dict[tuple[int, ...], str] = {}
    for p, shape, kind in zip(params, shapes, kinds or (None,) * len(shapes)):
        if shape is None or shape == "tree":
            continue
        if kind == "float":
            links.append((p, kind_link(p, "float")))
        elif isinstance(kind, str) and kind[1:2] == "f":
            links.append((p, kind_link(p, kind)))
        links.append((p, shape_class(shape)))  # the shape itself, for adgen.analysis.types
        if shape == ():
            links.append((p, "%scalar"))
        elif shape in first:
            links.append((p, first[shape]))
        else:
            first[shape] = p
    return links


def _licm(state: State) -> None:
    """Loop-invariant code motion on the primal and its callees, knowing the call's shapes."""
    fn = state.fn
    assert fn is not None
    fn.shape_links.extend(shape_links(fn.params, state.request.shapes, state.request.kinds))
    state.fn = licm.run(fn)
    state.callees = [licm.run(c) for c in state.callees]


def _differentiate(state: State) -> None:
    req, primal = state.request, state.primal
    assert req.kind is not None and primal is not None
    fn = derive(primal, req.kind, state.wrt, state.as_tuple)
    fn.shape_links.extend(shape_links(primal.params, req.shapes, req.kinds))
    if _value_unneeded(req, primal):
        grads: list[Any] = []
        fn.structure = _renumbered(fn.result_structure()[1], fn.body.results, grads)
        fn.returns_tuple = isinstance(fn.structure, tuple)
        fn.body.results = grads
        state.value_free = True
    if req.has_aux:  # the derivative returns (derivative, aux)
        n = len(fn.body.results)
        fn.structure = (fn.result_structure(), _shifted(state.aux_structure, n))
        fn.returns_tuple = True
        fn.body.results = [*fn.body.results, *state.aux]
    state.fn = fn
    state.callees = _callees(fn)


def _value_unneeded(req: Request, primal: Function) -> bool:
    """Whether the value of a ``grad`` may be left out (see :attr:`Request.value`):
    the caller discards it, and it is known to be a number, so that neither the
    scalar check nor the check that the result is numeric needs it."""
    if req.value or req.kind != "grad" or req.has_aux or req.array_api:
        return False
    if len(primal.body.results) != 1:
        return False
    ty = Types(primal).of(primal.body.results[0])
    return ty.shape == () and ty.kind in ("float", "int", "bool", "array", "?")


def _shifted(structure: Any, n: int) -> Any:
    if isinstance(structure, tuple):
        return tuple(_shifted(s, n) for s in structure)
    return structure + n


# ---------------------------------------------------------------- optimizing


def _pass(run: Callable[[Function], Function]) -> Callable[[State], None]:
    def stage(state: State) -> None:
        assert state.fn is not None
        state.fn = run(state.fn)
        state.callees = [run(c) for c in state.callees]

    return stage


def _conform(state: State) -> None:
    """Wrap each gradient the derivative returns in ``gradient_like(g, x)``."""
    req, fn = state.request, state.fn
    if not req.conform or req.kind not in ("grad", "vjp") or fn is None:
        return
    structure = fn.result_structure()
    grads = structure[1] if req.kind == "grad" else structure
    leaves = [index for _, index in flatten_structure(grads)]
    taken = all_names(fn)
    k = max((int(n[1:]) for n in taken if n[:1] == "t" and n[1:].isdigit()), default=0)
    for index, x in zip(leaves, state.wrt, strict=True):
        k += 1
        fn.body.ops.append(Op([f"t{k}"], "gradient_like", [fn.body.results[index], Var(x)]))
        fn.body.results[index] = Var(f"t{k}")


def _batch(state: State) -> None:
    """With ``batched``: the parameters after the primal's (and its last ``batched_with``)
    carry a batch axis."""
    fn, primal = state.fn, state.primal
    if not state.request.batched or fn is None or primal is None:
        return
    n = len(primal.params) - state.request.batched_with
    shapes = state.request.shapes or ()
    state.fn = batch(fn, fn.params[n:], shapes[n:])


# ------------------------------------------------------------------ emitting


def describe(fn: Function, kind: Kind, wrt: list[str], internal: bool = False) -> str:
    """The docstring of a generated function: what was differentiated, how."""
    what = {
        "grad": "Value and gradient",
        "vjp": "Vector-Jacobian product (reverse mode)",
        "jvp": "Value and Jacobian-vector product (forward mode)",
    }[kind]
    params = ", ".join(fn.params)
    lines = [f"{what} of {fn.name}({params}) with respect to {', '.join(wrt)}.", ""]
    if kind == "jvp":
        lines.append(
            f"Takes one tangent per wrt argument ({', '.join('d' + w for w in wrt)}); "
            "returns (value, tangent)."
        )
    elif kind == "vjp" and internal:
        lines.append("Takes the cotangent of each result last; returns the gradient(s).")
    elif kind == "vjp":
        lines.append(
            "Takes the cotangent of the result last; returns the gradient(s) of "
            "<cotangent, result>."
        )
    else:
        lines.append("Returns (value, gradient).")
    lines.append(f"Generated by adgen {__version__}; edits are lost when it is regenerated.")
    return "\n".join(lines)


def callee_doc(fn: Function) -> str:
    """The docstring of a callee emitted next to a derivative."""
    return fn.doc or f"{fn.name}, as called by the code above."


def _emit(state: State) -> None:
    req, fn = state.request, state.fn
    assert fn is not None and state.primal is not None
    name = req.name or fn.name
    if req.name is None:
        while name in fn.freevars or name in HELPERS:  # e.g. a user's rule named f_jvp
            name += "_"
    doc = describe(state.primal, req.kind, state.wrt) if req.kind else fn.doc
    if state.value_free:
        doc = doc.replace("Value and gradient", "Gradient").replace(
            "Returns (value, gradient).", "Returns the gradient (the value is not computed)."
        )
    if req.backend == "numba":
        _emit_numba(state, name, doc)
        return
    if req.array_api:
        state.emitted = [emit_array_api(fn, name, doc, req.array_api)]
        state.emitted += [
            emit_array_api(c, c.name, callee_doc(c), req.array_api) for c in state.callees
        ]
        return
    state.emitted = [emit_function(fn, name, doc)]
    state.emitted += [emit_function(c, c.name, callee_doc(c)) for c in state.callees]


def _emit_numba(state: State, name: str, doc: str) -> None:
    """Source for numba, after refusing what numba cannot compile (see adgen.backend.numba)."""
    fn = state.fn
    assert fn is not None
    reason = numba_refusal(state.functions())
    if reason is not None:
        raise NumbaRefusal(
            f"backend='numba' cannot compile this: {reason}; use "
            "backend='numpy', or fallback='numpy'"
        )
    state.emitted = [emit_numba(fn, name, doc, state.request.shapes, state.wrt)]
    state.emitted += [emit_numba(c, c.name, callee_doc(c), None, []) for c in state.callees]


def joined(parts: Sequence[Emitted]) -> Emitted:
    """One source holding ``parts`` in order (a derivative then its callees)."""
    main = parts[0]
    texts = [main.source]
    helpers, modules = set(main.helpers), set(main.modules)
    freevars, locs = dict(main.freevars), dict(main.line_locs)
    offset = main.source.count("\n") + 2
    for part in parts[1:]:
        texts.append(part.source)
        locs.update({offset + k: loc for k, loc in part.line_locs.items()})
        offset += part.source.count("\n") + 2
        helpers |= part.helpers
        modules |= part.modules
        for k, v in part.freevars.items():
            if k in freevars and freevars[k] is not v:
                raise DifferentiationError(
                    f"two functions use the free name {k!r} for different objects; "
                    "rename one of them"
                )
            freevars[k] = v
    return Emitted(
        main.name,
        "\n\n".join(texts),
        helpers,
        freevars,
        line_locs=locs,
        modules=modules,
        library=main.library,
    )


# ------------------------------------------------------------------ the list

STAGES: list[Stage] = [
    Stage(
        "lower",
        _lower,
        "source to IR (or the IR adgen kept for a function it generated, so a "
        "derivative is differentiated again without re-parsing); callees are lowered once",
    ),
    Stage(
        "licm",
        _licm,
        "before differentiation, so that a value every iteration recomputed is computed "
        "once outside the loop, and its adjoint reads it there instead of a tape",
    ),
    Stage(
        "invariance",
        _pass(shift_invariance.run),
        "before differentiation, so that a max the result provably does not depend on "
        "(softmax's x - max(x)) is held constant in both modes, and no tie mask is built",
    ),
    Stage(
        "differentiate",
        _differentiate,
        "the forward or reverse transform, on the unoptimized IR; callees' derivatives "
        "are built as the transform names them",
    ),
    Stage(
        "cse",
        _pass(cse.run),
        "before simplification, so equal values are one name and the shape analysis "
        "sees that they agree",
    ),
    Stage(
        "simplify",
        _pass(simplify.run),
        "drops reshaping helpers (unbroadcast...) applied to values already of the "
        "target's shape, which needs the shape classes CSE made plain",
    ),
    Stage(
        "dce",
        _pass(dce.run),
        "last of the optimisations: drops what the two passes above left unused",
    ),
    Stage(
        "batch",
        _batch,
        "after optimisation, which relies on a tangent having its primal's shape; "
        "only for batched requests (adgen.transforms.batching)",
    ),
    Stage(
        "conform",
        _conform,
        "after optimisation, which must not see it: gradients take their inputs' types "
        "(AOT modules only; in-process calls conform in adgen.calling)",
    ),
    Stage("emit", _emit, "IR to Python source, for the derivative and each callee", ir=False),
]

NAMES = tuple(s.name for s in STAGES)


def _dump(state: State, stage: Stage) -> str:
    if stage.ir:
        return "\n".join(format_function(f) for f in state.functions())
    return "\n\n".join(e.source for e in state.emitted)


def _check(state: State, stage: Stage) -> None:
    for f in state.functions():
        try:
            verify_ir(f, PRIMITIVES)
        except VerifyError as exc:
            raise VerifyError(f"after {stage.name}: {exc}") from exc


def run(
    request: Request,
    until: str | None = None,
    dump_after: Sequence[str] = (),
    check: bool | None = None,
) -> State:
    """Run the stages for ``request``, stopping after ``until`` (default: all;
    without a ``kind``, after ``lower``).

    ``dump_after`` names stages after which to record the text of every function
    (IR, or source after ``emit``) in ``State.dumps``; ``check`` (default
    :data:`CHECK`) verifies every function after every IR stage.
    """
    unknown = [s for s in (until, *dump_after) if s is not None and s not in NAMES]
    if unknown:
        raise ValueError(f"no stage {unknown[0]!r}; the stages are {', '.join(NAMES)}")
    if request.kind is None:
        if until not in (None, "lower") or any(s != "lower" for s in dump_after):
            raise ValueError("only the lower stage runs without a kind of derivative")
        until = "lower"
    check = CHECK if check is None else check
    state = State(request)
    for stage in STAGES:
        stage.run(state)
        if check and stage.ir:
            _check(state, stage)
        if stage.name in dump_after:
            state.dumps.append((stage.name, _dump(state, stage)))
        if stage.name == until:
            break
    return state
