"""The list and effect primitives' rules, checked directly.

Each rule is run on a :class:`~adgen.primitives.core.Builder`, the ops it
builds are emitted with the table's own emitters and evaluated, and the
result is compared with central finite differences (JVP) and with the
transpose identity <u, J t> = <J^T u, t> (VJP). The adjoint helpers are
checked the same way, so second derivatives of list code rest on checked rules.
"""

from __future__ import annotations

import ast
import io
import logging
import warnings
from contextlib import redirect_stdout
from typing import Any

import numpy as np
import pytest

from adgen.ir import Const, Namer, Var
from adgen.primitives import PRIMITIVES
from adgen.primitives.core import Builder
from adgen.primitives.lists import extremum, inserted, popped
from adgen.runtime import HELPERS


def _eval_op(prim: str, args: list[Any], attrs: dict[str, Any]) -> Any:
    names = [f"a{k}" for k in range(len(args))]
    node = PRIMITIVES[prim].emit([ast.Name(id=n, ctx=ast.Load()) for n in names], attrs)
    env = {
        "np": np,
        "warnings": warnings,
        "logging": logging,
        **HELPERS,
        **dict(zip(names, args, strict=True)),
    }
    if isinstance(node, ast.stmt):
        exec(
            compile(
                ast.fix_missing_locations(ast.Module(body=[node], type_ignores=[])), "<op>", "exec"
            ),
            env,
        )
        return None
    return eval(compile(ast.fix_missing_locations(ast.Expression(node)), "<op>", "eval"), env)


def _run_rule(rule: Any, values: dict[str, Any]) -> Any:
    """Build ``rule(builder_syms)`` and evaluate the ops it made on ``values``."""
    b = Builder(Namer())
    syms = {k: b.sym(Var(k)) for k in values}
    out = rule(b, syms)
    if out is None:
        return None
    env = dict(values)
    for op in b.ops:
        args = [env[a.name] if isinstance(a, Var) else a.value for a in op.args]
        env[op.results[0]] = _eval_op(op.prim, args, {**PRIMITIVES[op.prim].attrs, **op.attrs})
    v = out.v
    return env[v.name] if isinstance(v, Var) else v.value


def _apply(prim: str, args: list[Any], attrs: dict[str, Any]) -> Any:
    return _eval_op(prim, args, {**PRIMITIVES[prim].attrs, **attrs})


def _flat(x: Any) -> np.ndarray:
    if isinstance(x, list):
        return np.concatenate([_flat(i) for i in x]) if x else np.zeros(0)
    return np.ravel(np.asarray(x, dtype=float))


def _axpy(x: Any, t: Any, h: float) -> Any:
    if isinstance(x, list):
        return [_axpy(a, b, h) for a, b in zip(x, t, strict=True)]
    return x + h * t


def _like(rng: np.random.Generator, x: Any) -> Any:
    if isinstance(x, list):
        return [_like(rng, i) for i in x]
    return rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal())


def _check(
    prim: str, args: list[Any], diff: list[int], attrs: dict[str, Any] | None = None
) -> None:
    attrs = attrs or {}
    entry = PRIMITIVES[prim]
    full = {**entry.attrs, **attrs}
    rng = np.random.default_rng(0)
    out = _apply(prim, args, attrs)
    names = [f"x{k}" for k in range(len(args))]
    tangents = {k: _like(rng, args[k]) for k in diff}
    # JVP against central differences.
    values = {
        **dict(zip(names, args, strict=True)),
        **{f"t{k}": t for k, t in tangents.items()},
        "out": out,
    }

    def jvp(b: Builder, s: dict[str, Any]) -> Any:
        ts = [s[f"t{k}"] if k in diff else None for k in range(len(args))]
        return entry.jvp(ts, s["out"], *[s[n] for n in names], **full)

    got = _run_rule(jvp, values)
    h = 1e-6
    plus = _apply(
        prim, [_axpy(a, tangents[k], h) if k in tangents else a for k, a in enumerate(args)], attrs
    )
    minus = _apply(
        prim, [_axpy(a, tangents[k], -h) if k in tangents else a for k, a in enumerate(args)], attrs
    )
    fd = (_flat(plus) - _flat(minus)) / (2 * h)
    np.testing.assert_allclose(_flat(got), fd, rtol=1e-6, atol=1e-8)
    # VJP: <u, J t> = sum_k <J_k^T u, t_k>.
    u = _like(rng, out)
    total = 0.0
    for k in diff:

        def vjp(b: Builder, s: dict[str, Any], k: int = k) -> Any:
            return entry.vjp_rule(k)(s["u"], s["out"], *[s[n] for n in names], **full)

        part = _run_rule(vjp, {**values, "u": u})
        assert np.shape(_flat(part)) == np.shape(_flat(args[k])), prim
        total += float(_flat(part) @ _flat(tangents[k]))
    np.testing.assert_allclose(total, float(_flat(u) @ _flat(got)), rtol=1e-8, atol=1e-10)


def _items(rng: np.random.Generator, n: int, shape: tuple[int, ...] = (3,)) -> list[Any]:
    return [rng.standard_normal(shape) for _ in range(n)]


RNG = np.random.default_rng(1)
XS = _items(RNG, 4)
G = _items(RNG, 4)


@pytest.mark.parametrize(
    "prim, args, diff, attrs",
    [
        ("list_new", [XS[0], 2.0, XS[1]], [0, 1, 2], {}),
        ("list_new", [XS[0], XS[1]], [1], {}),
        ("list_append", [XS[:3], XS[3]], [0, 1], {}),
        ("list_append", [XS[:3], XS[3]], [1], {}),
        ("list_append", [[], 1.5], [1], {}),
        ("list_concat", [XS[:1], XS[1:]], [0, 1], {}),
        ("list_concat", [XS[:2], XS[2:]], [1], {}),
        ("list_item", [XS, -1], [0], {}),
        ("list_item", [XS, 2], [0], {}),
        ("list_slice", [XS, 1, None, None], [0], {}),
        ("list_slice", [XS, None, None, -2], [0], {}),
        ("list_sum", [[XS[0], 2.0, XS[1]]], [0], {}),
        ("list_join", [XS], [0], {}),
        ("list_join", [XS], [0], {"join": "stack", "axis": 1}),
        ("list_join", [[XS[0], XS[1][:2]]], [0], {"join": "concatenate"}),
        ("list_join", [XS], [0], {"join": "vstack"}),
        ("list_join", [[XS[0], XS[1][:1]]], [0], {"join": "hstack"}),
        (
            "list_join",
            [[RNG.standard_normal((2, 3)), RNG.standard_normal((2, 1))]],
            [0],
            {"join": "hstack"},
        ),
        ("list_join", [[1.0, 2.0, 3.0]], [0], {"join": "array"}),
        ("list_add", [XS, G], [0, 1], {}),
        ("list_item_adjoint", [XS[0], XS, -2], [0], {}),
        ("list_slice_adjoint", [XS[1:3], XS, 1, 3, None], [0], {}),
        ("list_sum_adjoint", [XS[0], [XS[1], 2.0]], [0], {}),
        ("list_join_adjoint", [np.stack(XS), XS], [0], {}),
        ("list_join_adjoint", [np.concatenate(XS), XS], [0], {"join": "concatenate"}),
    ],
)
def test_rules_agree_with_finite_differences_and_transpose(
    prim: str, args: list[Any], diff: list[int], attrs: dict[str, Any]
) -> None:
    _check(prim, args, diff, attrs)


def test_emitted_forms_read_like_python() -> None:
    def show(
        prim: str, n: int, attrs: dict[str, Any] | None = None, args: list[ast.expr] | None = None
    ) -> str:
        operands = args or [ast.Name(id=x, ctx=ast.Load()) for x in "abcd"[:n]]
        return ast.unparse(PRIMITIVES[prim].emit(operands, attrs or {}))

    none = ast.Constant(None)
    assert show("list_append", 2) == "a + [b]"
    assert (
        show("list_slice", 0, args=[ast.Name(id="g", ctx=ast.Load()), none, ast.Constant(-1), none])
        == "g[:-1]"
    )
    assert show("list_join", 1) == "np.stack(a)"
    assert show("list_join", 1, {"join": "concatenate", "axis": 1}) == "np.concatenate(a, axis=1)"
    assert show("list_sum", 1) == "sum(a)"
    assert show("assert", 2) == "assert a, b"
    assert show("raise", 1, {"kind": "ValueError"}) == "raise ValueError(a)"
    assert show("print", 2, {"names": ("sep",)}) == "print(a, sep=b)"
    assert (
        show("log_message", 2, {"level": "warning", "logger": "m"})
        == "logging.getLogger('m').warning(a, b)"
    )
    assert show("warn", 1, {"category": "RuntimeWarning"}) == "warnings.warn(a, RuntimeWarning)"
    assert (
        show("fstring", 2, {"parts": ("x=", (-1, ".3f"), ", y=", (114, ""))})
        == "f'x={a:.3f}, y={b!r}'"
    )
    assert show("str_format", 1, {"text": "{} done"}) == "'{} done'.format(a)"


def _compose(build: Any, *args: Any) -> Any:
    """Run a composition of list ops on concrete values."""

    def emit(prim: str, operands: list[Any], attrs: dict[str, Any]) -> Any:
        vals = [a.value if isinstance(a, Const) else a for a in operands]
        return _apply(prim, vals, attrs)

    return build(emit, *args)


@pytest.mark.parametrize("i", [-5, -4, -1, 0, 2, 4, 9])
def test_insert_is_pythons(i: int) -> None:
    xs = [1.0, 2.0, 3.0, 4.0]
    expected = list(xs)
    expected.insert(i, 9.0)
    assert _compose(inserted, xs, i, 9.0) == expected


@pytest.mark.parametrize("i", [-4, -1, 0, 3])
def test_pop_is_pythons(i: int) -> None:
    xs = [1.0, 2.0, 3.0, 4.0]
    expected = list(xs)
    value = expected.pop(i)
    assert _compose(popped, xs, i) == (value, expected)


@pytest.mark.parametrize("xs, i", [([], -1), ([1.0], 1), ([1.0, 2.0], -3)])
def test_pop_out_of_range_raises_index_error(xs: list[float], i: int) -> None:
    with pytest.raises(IndexError):
        _compose(popped, xs, i)


def test_min_and_max_pick_pythons_item() -> None:
    xs = [3.0, 1.0, 5.0, 1.0, 5.0]
    assert _compose(extremum, xs, False) == min(xs)
    assert _compose(extremum, xs, True) == max(xs)
    assert _apply("list_argmin", [xs], {}) == 1 and _apply("list_argmax", [xs], {}) == 2


def test_effects_do_what_python_does() -> None:
    buf = io.StringIO()
    with redirect_stdout(buf):
        _apply("print", [1.5, "a", "-"], {"names": ("sep",)})
    assert buf.getvalue() == "1.5-a\n"
    with pytest.raises(AssertionError, match="too big"):
        _apply("assert", [False, "too big"], {})
    assert _apply("assert", [True], {}) is None
    with pytest.raises(ValueError, match="bad"):
        _apply("raise", ["bad"], {"kind": "ValueError"})
    with pytest.warns(RuntimeWarning, match="careful"):
        _apply("warn", ["careful"], {"category": "RuntimeWarning"})
    x = 2.0 / 3.0
    assert (
        _apply("fstring", [x, "s"], {"parts": ("x=", (-1, ".3f"), " ", (114, ""))})
        == f"x={x:.3f} {'s'!r}"
    )
    assert _apply("str_format", [x], {"text": "{:.2f}!"}) == f"{x:.2f}!"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _apply("str", [x], {}) == str(x)


def test_effects_are_effects_and_not_differentiable() -> None:
    for name in ("print", "assert", "raise", "log_message", "warn"):
        p = PRIMITIVES[name]
        assert p.effect and not p.differentiable, name
    for name in ("fstring", "str_format", "str", "repr", "list_len", "list_zeros"):
        assert not PRIMITIVES[name].differentiable, name


def test_item_assignment_rules() -> None:
    _check("list_set", [XS, -2, G[0]], [0, 2])
    _check("list_set", [XS, 1, G[0]], [2])
