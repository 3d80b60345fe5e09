"""Everyday Python inside differentiated functions: effects run as the function runs them,
lists behave as Python's, and what stays refused says so."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import adgen
from adgen.testing import check_grads


def noisy(x):
    print("start", x)
    for i in range(2):
        x = np.sin(x)
        print(f"step {i}: {x:.4f}")
    assert x < 10.0, "x grew"
    return x * x


@pytest.mark.parametrize(
    "derive",
    [
        lambda f: adgen.grad(f),
        lambda f: adgen.value_and_grad(f),
        lambda f: lambda x: adgen.jvp(f)(x, 1.0),
        lambda f: adgen.hessian(f),
        lambda f: adgen.grad(adgen.grad(f)),
    ],
    ids=["grad", "value_and_grad", "jvp", "hessian", "grad_grad"],
)
def test_a_derivative_prints_what_the_function_prints_once_per_call(derive, capsys):
    noisy(0.7)
    expected = capsys.readouterr().out
    assert expected.count("step") == 2
    derive(noisy)(0.7)
    assert capsys.readouterr().out == expected


def test_assert_and_raise_behave_as_in_the_function():
    def f(x):
        assert np.all(x > 0), "x must be positive"
        if np.sum(x) > 5.0:
            raise ValueError(f"sum too large: {np.sum(x):.1f}")
        return np.sum(np.log(x))

    g = adgen.grad(f)
    np.testing.assert_allclose(g(np.array([1.0, 2.0])), [1.0, 0.5])
    with pytest.raises(AssertionError, match="x must be positive"):
        g(np.array([-1.0, 2.0]))
    with pytest.raises(ValueError, match="sum too large: 7.0"):
        g(np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match="sum too large"):
        adgen.jvp(f)(np.array([3.0, 4.0]), np.ones(2))


def test_logging_and_warnings_run_in_the_forward_sweep(caplog):
    log = logging.getLogger("adgen.tests.everyday")

    def f(x):
        log.warning("x is %s", x)
        logging.debug("not shown")
        return x**3

    with caplog.at_level(logging.WARNING, logger="adgen.tests.everyday"):
        assert adgen.grad(f)(0.5) == pytest.approx(0.75)
    assert [r.getMessage() for r in caplog.records] == ["x is 0.5"]


def test_warnings_warn_reaches_the_caller():
    import warnings

    def f(x):
        if x < 0:
            warnings.warn("negative input", RuntimeWarning)  # noqa: B028
        return x * x

    with pytest.warns(RuntimeWarning, match="negative input"):
        assert adgen.grad(f)(-2.0) == -4.0


def test_aliasing_of_lists_is_pythons():
    def f(x):
        xs = [x]
        ys = xs
        ys.append(2.0 * x)
        zs = list(xs)
        zs.append(5.0 * x)
        return sum(xs) + 10.0 * len(zs)

    assert f(1.0) == 33.0
    assert adgen.grad(f)(1.0) == 3.0
    assert adgen.jvp(f)(1.0, 1.0) == (33.0, 3.0)


def test_lists_in_loops_keep_every_name_of_one_list():
    def f(x):
        hs = []
        alias = hs
        for t in range(3):
            x = np.tanh(x + t)
            alias.append(x)
        return np.sum(np.stack(hs) * np.arange(1.0, 4.0)[:, None])

    x = np.array([0.1, -0.2])
    check_grads(f, [x])
    assert np.isclose(adgen.value_and_grad(f)(x)[0], f(x))


def test_generator_after_and_runs_only_when_python_would():
    def f(x):
        ok = x[0] > 0 and all(v > 0 for v in x)
        return np.sum(x) if ok else 0.0

    np.testing.assert_allclose(adgen.grad(f)(np.ones(2)), np.ones(2))
    np.testing.assert_allclose(adgen.grad(f)(-np.ones(2)), np.zeros(2))


def test_generator_inside_a_larger_lazy_expression_is_refused_and_says_so():
    def f(x):
        ok = 1.0 + (x[0] > 0 and all(v > 0 for v in x))
        return np.sum(x) * ok

    with pytest.raises(adgen.UnsupportedSyntaxError, match="generator"):
        adgen.grad(f)(np.ones(2))


def test_pop_of_an_empty_known_list_is_refused_where_it_is():
    def f(x):
        xs = []
        return xs.pop() * x

    with pytest.raises(adgen.UnsupportedSyntaxError, match="IndexError") as info:
        adgen.grad(f)(1.0)
    assert info.value.lineno is not None


def test_a_loop_variable_read_after_a_loop_that_did_not_run_raises_as_in_python():
    def f(x, n):
        for i in range(n):
            y = x * i
        return y + i

    assert adgen.grad(f)(2.0, 3) == 2.0
    with pytest.raises(UnboundLocalError):
        f(2.0, 0)
    for derivative in (adgen.grad(f), lambda x, n: adgen.jvp(f)(x, n, 1.0)):
        with pytest.raises(UnboundLocalError, match="'y'"):
            derivative(2.0, 0)


def test_a_loop_variable_read_only_on_a_path_where_the_loop_ran_is_fine():
    def f(x, n):
        for i in range(n):
            y = x * i
        if n > 0:
            return y
        return x

    assert adgen.grad(f)(2.0, 0) == 1.0
    assert adgen.grad(f)(2.0, 3) == 2.0


def _loop(x):
    for _ in range(3):
        x = np.sin(x) * 1.1
    return x


def _straight(x):
    return np.sin(x) * x**3


@pytest.mark.parametrize("f", [_loop, _straight], ids=["loop", "straight_line"])
def test_third_and_fourth_order_reverse_over_reverse(f):
    """Each order against central differences of the order below (itself checked the same
    way down to the function)."""
    x, h = 0.7, 1e-3
    d = [f]
    for _ in range(4):
        d.append(adgen.grad(d[-1]))
    for k in range(1, 5):
        fd = (d[k - 1](x + h) - d[k - 1](x - h)) / (2 * h)
        assert d[k](x) == pytest.approx(fd, rel=1e-5, abs=1e-6), k


def loops_over_known_containers(params, x):
    total = sum(np.sum(v**2) for v in params.values())
    for name, v in params.items():
        if name == "b":
            total = total + np.sum(v * x)
    scaled = {k: 2.0 * v for k, v in zip(("w", "b"), (params["w"], params["b"]))}
    pieces = [np.sum(np.tanh(p)) for p in [scaled["w"], x, params["b"]]]
    for k, piece in enumerate(pieces):
        total = total + k * piece
    return total


@pytest.mark.parametrize("wrt", [0, 1])
def test_loops_over_dicts_and_lists_known_item_by_item_are_unrolled(wrt):
    rng = np.random.default_rng(3)
    args = [{"w": rng.standard_normal(3), "b": rng.standard_normal(2)}, rng.standard_normal(2)]
    check_grads(loops_over_known_containers, args, wrt=wrt)
    assert adgen.value_and_grad(loops_over_known_containers, wrt=wrt)(*args)[0] == pytest.approx(
        loops_over_known_containers(*args)
    )


def with_every_kind_of_parameter(x, /, y, *args, scale=2.0, **kw):
    s = x * y * scale
    for a in args:
        s = s + np.sin(a * x)
    return s + kw["z"] * x**2


def _fd(f, args, kw, pick, put, h=1e-6):
    """Central difference of f along the argument ``pick`` picks (``put`` sets it)."""
    base = pick(args, kw)
    up = put(args, kw, base + h)
    down = put(args, kw, base - h)
    return (f(*up[0], **up[1]) - f(*down[0], **down[1])) / (2 * h)


def test_star_args_keyword_only_positional_only_and_star_star_kwargs():
    f = with_every_kind_of_parameter
    args, kw = (1.5, 2.0, 3.0, 0.5), {"scale": 1.5, "z": 0.25}
    g_x = adgen.grad(f)(*args, **kw)
    assert g_x == pytest.approx(
        _fd(f, args, kw, lambda a, k: a[0], lambda a, k, v: ((v, *a[1:]), k)), rel=1e-6
    )
    g_args = adgen.grad(f, wrt="args")(*args, **kw)
    assert isinstance(g_args, tuple) and len(g_args) == 2
    for j in range(2):
        assert g_args[j] == pytest.approx(
            _fd(
                f,
                args,
                kw,
                lambda a, k, j=j: a[2 + j],
                lambda a, k, v, j=j: ((*a[: 2 + j], v, *a[3 + j :]), k),
            ),
            rel=1e-6,
        )
    g_scale, g_kw = adgen.grad(f, wrt=("scale", "kw"))(*args, **kw)
    assert g_scale == pytest.approx(args[0] * args[1])
    assert g_kw == {"z": pytest.approx(args[0] ** 2)}
    assert adgen.jvp(f)(*args, 1.0, **kw)[1] == pytest.approx(g_x)
    assert adgen.vjp(f, wrt="args")(*args, 1.0, **kw) == pytest.approx(g_args)


def test_keyword_only_and_positional_only_callees():
    def k(x, *, c=2.0):
        return x * c

    def f(x, /, y):
        return k(x, c=y) + k(y)

    assert adgen.grad(f, wrt=(0, 1))(2.0, 3.0) == (3.0, 4.0)


def test_a_callee_with_star_args_differentiates():
    def g(x, *rest):
        return x * sum(rest)

    def f(x):
        return g(x, 2.0, 3.0)

    assert adgen.grad(f)(1.5) == pytest.approx(5.0)


def test_a_function_wrapped_with_functools_wraps_differentiates_as_the_one_it_wraps():
    import functools

    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kw):
            return fn(*args, **kw)

        return wrapper

    @logged
    def cube(x):
        return x**3

    assert adgen.grad(cube)(2.0) == 12.0
    assert adgen.jvp(cube)(2.0, 1.0) == (8.0, 12.0)
