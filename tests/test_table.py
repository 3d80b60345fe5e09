"""Every entry of the primitive table is well formed, and so are the runtime helpers.

:func:`problems` lists what is wrong with one entry: its rules cannot be called
with its operands and attributes, it names helpers that do not exist or calls
helpers it does not name, its emitter refers to operands it does not have, or
its fields contradict each other. The table-wide checks (methods and callables
given to one entry each) and the helpers' own dependencies follow. Each check
is also run on a deliberately broken entry, so that none of them can pass
vacuously.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from typing import Any

import numpy as np
import pytest

from adgen import runtime
from adgen.primitives import PRIMITIVES, Primitive
from adgen.primitives.core import BY_METHOD, load_deferred, lookup_callable, template

load_deferred(force=True)

# Ops whose blocks the transforms and the emitter handle themselves.
STRUCTURAL = {"if", "for_range", "while"}
VIEW_KINDS = (None, "view", "maybe")


def _binds(rule: Any, args: list[Any], kwargs: dict[str, Any]) -> bool:
    try:
        inspect.signature(rule).bind(*args, **kwargs)
    except TypeError:
        return False
    return True


def _operand_counts(prim: Primitive) -> list[int]:
    n = len(prim.operands)
    # A variadic entry's default attributes may ask for one operand more (an index).
    return [n + 1, n + 3] if prim.variadic else [n]


def _rule_problems(prim: Primitive) -> list[str]:
    out = []
    attrs = dict(prim.attrs)
    for n in _operand_counts(prim):
        operands = [f"x{i}" for i in range(n)]
        if prim.jvp is not None and not _binds(prim.jvp, [[None] * n, "out", *operands], attrs):
            out.append(f"jvp cannot be called as jvp(tangents, out, {n} operands, **attrs)")
        if prim.vjps is None or len(prim.vjps) != len(prim.operands):
            continue
        for i in range(n):
            rule = prim.vjp_rule(i)
            if rule is not None and not _binds(rule, ["g", "out", *operands], attrs):
                out.append(
                    f"vjp of operand {i} cannot be called as vjp(g, out, {n} operands, **attrs)"
                )
    if prim.vjps is not None and len(prim.vjps) != len(prim.operands):
        out.append(f"{len(prim.vjps)} vjps for {len(prim.operands)} operands")
    return out


def _called_names(node: ast.AST) -> set[str]:
    return {
        c.func.id
        for c in ast.walk(node)
        if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
    }


def _emit_problems(prim: Primitive) -> list[str]:
    if prim.name in STRUCTURAL:
        return []
    out = []
    attrs = dict(prim.attrs)
    if prim.name == "call":
        attrs["fn"] = "f"
    for n in _operand_counts(prim):
        args: list[ast.expr] = [ast.Name(id=f"operand{i}", ctx=ast.Load()) for i in range(n)]
        try:
            node = prim.emit(args, dict(attrs))
        except IndexError:
            out.append(f"the emitter refers to an operand beyond the {n} it has")
            continue
        names = {x.id for x in ast.walk(node) if isinstance(x, ast.Name)}
        left = sorted(x for x in names if x.startswith("_"))
        if left:
            out.append(f"the emitter leaves placeholders unfilled: {left}")
        called = _called_names(node) & set(runtime.HELPERS)
        if not called <= set(prim.helpers):
            out.append(
                f"the emitter calls helpers it does not list: {sorted(called - set(prim.helpers))}"
            )
    return out


def _field_problems(prim: Primitive) -> list[str]:
    out = []
    nargs = len(prim.operands)
    unknown = [h for h in prim.helpers if h not in runtime.HELPERS]
    if unknown:
        out.append(f"names helpers adgen.runtime does not define: {unknown}")
    if prim.differentiable and (prim.boolean or prim.index_array or prim.int_result):
        out.append("a boolean, integer or index result cannot be differentiable")
    if (
        prim.differentiable
        and prim.jvp is None
        and prim.vjps is None
        and prim.name not in STRUCTURAL | {"call", "tape_new"}
    ):
        out.append("differentiable without a jvp or vjps")
    for k in prim.shape_only:
        if not 0 <= k < nargs:
            out.append(f"shape_only position {k} is not an operand")
    if prim.shape_of is not None and not 0 <= prim.shape_of < nargs:
        out.append(f"shape_of {prim.shape_of} is not an operand")
    if prim.reshaper and (nargs != 2 or prim.shape_of != 1 or 1 not in prim.shape_only):
        out.append("a reshaper takes (value, like) and has like's shape, read only for it")
    if prim.view not in VIEW_KINDS:
        out.append(f"view is {prim.view!r}, not one of {VIEW_KINDS}")
    if prim.same_order and prim.view is None:
        out.append("same_order describes a view, but the entry has no view")
    if prim.fresh_array and prim.view is not None:
        out.append("a fresh array is not a view")
    if prim.listed and not prim.variadic:
        out.append("listed but not variadic")
    if prim.of_list is not None and not (
        prim.of_list in PRIMITIVES and PRIMITIVES[prim.of_list].listed
    ):
        out.append(f"of_list {prim.of_list!r} is not a listed primitive")
    if not isinstance(prim.scalar_result, bool) and not callable(prim.scalar_result):
        out.append("scalar_result is neither a bool nor a test of the attributes")
    return out


def problems(prim: Primitive) -> list[str]:
    """What is wrong with the entry ``prim`` (empty if it is well formed)."""
    return _rule_problems(prim) + _emit_problems(prim) + _field_problems(prim)


ENTRIES = sorted(p for p in PRIMITIVES if not p.startswith("custom."))


@pytest.mark.parametrize("name", ENTRIES)
def test_entry_is_well_formed(name: str) -> None:
    assert problems(PRIMITIVES[name]) == []


def _entry(**changes: Any) -> Primitive:
    """A well-formed binary entry, with ``changes``."""
    fields: dict[str, Any] = dict(
        name="broken",
        emit=template("np.add(_0, _1)"),
        operands=("x", "y"),
        jvp=lambda ts, out, x, y: None,
        vjps=(lambda g, out, x, y: g, lambda g, out, x, y: g),
    )
    fields.update(changes)
    return Primitive(**fields)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"jvp": lambda ts, out, x: None}, "jvp cannot be called"),
        ({"vjps": (lambda g, out, x, y: g, lambda g, x, y: g)}, "vjp of operand 1"),
        ({"vjps": (lambda g, out, x, y: g,)}, "1 vjps for 2 operands"),
        ({"attrs": {"axis": 0}}, "jvp cannot be called"),
        ({"emit": template("np.add(_0, _2)")}, "beyond the 2"),
        ({"emit": template("np.roll(_0, _shift)")}, "placeholders unfilled"),
        ({"emit": template("unbroadcast(_0, _1)")}, "calls helpers it does not list"),
        ({"helpers": ("no_such_helper",)}, "does not define"),
        ({"boolean": True}, "cannot be differentiable"),
        ({"jvp": None, "vjps": None}, "without a jvp or vjps"),
        ({"shape_only": (2,)}, "shape_only position 2"),
        ({"shape_of": 5}, "shape_of 5"),
        ({"reshaper": True}, "a reshaper takes"),
        ({"view": "copy"}, "view is 'copy'"),
        ({"same_order": True}, "same_order describes a view"),
        ({"fresh_array": True, "view": "view"}, "a fresh array is not a view"),
        ({"listed": True}, "listed but not variadic"),
        ({"of_list": "add"}, "not a listed primitive"),
    ],
)
def test_a_broken_entry_is_caught(changes: dict[str, Any], expected: str) -> None:
    assert problems(_entry()) == []
    found = problems(_entry(**changes))
    assert any(expected in p for p in found), found


def test_methods_belong_to_one_entry_each() -> None:
    owners: dict[str, list[str]] = {}
    for name, prim in PRIMITIVES.items():
        for m in prim.methods:
            owners.setdefault(m, []).append(name)
    shared = {m: names for m, names in owners.items() if len(names) > 1}
    assert not shared, f"array methods given to several primitives: {shared}"
    assert {m: names[0] for m, names in owners.items()} == BY_METHOD


def _shared_callables(entries: dict[str, Primitive]) -> dict[str, list[str]]:
    owners: dict[int, list[str]] = {}
    label: dict[int, str] = {}
    for name, prim in entries.items():
        for c in {id(c): c for c in prim.callables}.values():  # np.abs is np.absolute
            owners.setdefault(id(c), []).append(name)
            label[id(c)] = getattr(c, "__name__", repr(c))
    return {label[k]: names for k, names in owners.items() if len(names) > 1}


def test_callables_belong_to_one_entry_each() -> None:
    shared = _shared_callables(PRIMITIVES)
    assert not shared, f"callables given to several primitives: {shared}"
    broken = {"a": _entry(callables=(np.sin,)), "b": _entry(callables=(np.sin,))}
    assert _shared_callables(broken) == {"sin": ["a", "b"]}


# NumPy functions whose result is (or may be) a view of their argument: the
# frontend tracks writes through a primitive for one of them only if its entry
# says so, so a new entry for one of these must set ``view``.
NUMPY_VIEWS = [
    "transpose",
    "reshape",
    "ravel",
    "squeeze",
    "expand_dims",
    "swapaxes",
    "moveaxis",
    "diagonal",
    "broadcast_to",
    "asarray",
    "asanyarray",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "real",
    "imag",
    "flip",
    "fliplr",
    "flipud",
    "rot90",
]


@pytest.mark.parametrize("func", NUMPY_VIEWS)
def test_numpy_functions_returning_views_are_tracked(func: str) -> None:
    prim = lookup_callable(getattr(np, func))
    if prim is None:
        return  # not in the table: the frontend refuses the call
    assert PRIMITIVES[prim].view is not None, f"np.{func} returns a view: set view= on {prim!r}"


# ----------------------------------------------------------------- helpers


@pytest.mark.parametrize("name", sorted(runtime.HELPERS))
def test_helpers_need_nothing_but_numpy_and_each_other(name: str) -> None:
    """A generated module holds NumPy, builtins and the helpers' source: nothing else."""
    assert runtime.unresolved(runtime.HELPERS[name]) == []
    assert "@" not in runtime.source(runtime.HELPERS[name]).split("def ", 1)[0]


def test_helper_dependencies_are_found() -> None:
    assert runtime.depends(runtime.HELPERS["kron_adjoint_a"]) == ["kron_blocks"]
    assert runtime.depends(runtime.HELPERS["unbroadcast"]) == []
    text = runtime.helper_source({"scatter_add"})
    assert "def int_array_index(" in text and "def scatter_add(" in text

    def uses_a_stranger(g):
        return unbroadcast(g, g) + stranger(g)  # noqa: F821

    table = {**runtime.HELPERS, "uses_a_stranger": uses_a_stranger}
    assert runtime.depends(uses_a_stranger, table) == ["unbroadcast"]
    assert runtime.unresolved(uses_a_stranger, table) == ["stranger"]


def test_helper_source_runs_on_its_own() -> None:
    """The copied source of every helper defines them all with only ``np`` given."""
    ns: dict[str, Any] = {"np": np, "__builtins__": builtins}
    exec(runtime.helper_source(set(runtime.HELPERS)), ns)  # noqa: S102
    assert set(runtime.HELPERS) <= set(ns)
    g = np.ones((3, 2))
    assert ns["unbroadcast"](g, np.ones(2)).tolist() == [3.0, 3.0]


def _numpy_function(prim: Primitive) -> Any:
    return next(
        (
            c
            for c in prim.callables
            if isinstance(c, np.ufunc) or getattr(c, "__module__", "").startswith("numpy")
        ),
        None,
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # arctanh(1) and the like
@pytest.mark.parametrize(
    "name",
    [
        n
        for n in ENTRIES
        if PRIMITIVES[n].float_result and _numpy_function(PRIMITIVES[n]) is not None
    ],
)
def test_float_result_matches_numpy(name: str) -> None:
    """``float_result`` lets ``x * 1.0`` become ``x``: a wrong one would change a dtype."""
    prim = PRIMITIVES[name]
    func = _numpy_function(prim)
    n = len(prim.operands)
    ints = [np.array([1, 2])] * n
    floats = [np.array([0.5, 2.0])] * n
    if prim.float_result == "always":
        assert np.asarray(func(*ints)).dtype.kind in "fc"
    elif prim.float_result == "first":
        assert np.asarray(func(*floats[:1], *ints[1:])).dtype.kind in "fc"
    else:
        assert prim.float_result == "any", prim.float_result
        for k in range(n):
            mixed = [floats[0] if i == k else ints[0] for i in range(n)]
            assert np.asarray(func(*mixed)).dtype.kind in "fc"
