"""Nothing that cannot be differentiated comes back as a number: each case is refused,
naming the argument and what it is (issue 15, item 1). Every case here returned a
silent 0.0 or 1.0, or failed inside generated code, before."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

import adgen
from adgen import DifferentiationError


class Opaque:
    def __init__(self, a):
        self.a = a


@dataclass
class Holder:
    a: float


def scaled(p, x):
    return x * 2.0


def identity(x):
    return x


def square_second(s, x):
    return x * x


def returns_none(x):
    y = x * 2.0  # noqa: F841 (a value computed, then not returned)
    return None


def returns_text(x):
    return "abc"


def pair(x):
    return x * 2.0, np.sin(x)


@pytest.mark.parametrize(
    "value, what",
    [
        ("abc", "a str"),
        (None, "None"),
        (object(), "an object of type object"),
        (Opaque(1.0), "Opaque"),
        (3, "integer"),
        (np.arange(3), "dtype int64"),
    ],
)
def test_wrt_argument_that_has_no_derivative(value, what):
    with pytest.raises(DifferentiationError, match=f"'x'.*{what}"):
        adgen.grad(identity)(value)


def test_object_in_wrt_is_refused_not_zero():
    with pytest.raises(DifferentiationError, match="'p'.*Opaque"):
        adgen.grad(scaled)(Opaque(1.0), 3.0)


def test_dataclass_in_wrt_gives_its_gradient_not_a_bare_zero():
    g = adgen.grad(scaled)(Holder(1.0), 3.0)  # was 0.0: now the dataclass of zeros
    assert isinstance(g, Holder) and g.a == 0.0
    g = adgen.grad(lambda p, x: p.a * x)(Holder(2.0), 3.0)
    assert isinstance(g, Holder) and g.a == 3.0


def test_wrt_naming_a_string_argument():
    with pytest.raises(DifferentiationError, match="'s'.*str"):
        adgen.grad(square_second, wrt="s")("abc", 3.0)
    # a string left out of wrt is the function's business
    assert adgen.grad(square_second, wrt="x")("abc", 3.0) == 6.0


def test_mixed_list_names_the_leaf():
    with pytest.raises(DifferentiationError, match=r"'x\[1\]'.*str"):
        adgen.grad(lambda x: x[0] * x[1])([1.0, "a"])


@pytest.mark.parametrize("kind", ["grad", "value_and_grad", "vjp", "jvp"])
@pytest.mark.parametrize("f, what", [(returns_none, "None"), (returns_text, "a str")])
def test_function_returning_no_number(kind, f, what):
    d = getattr(adgen, kind)(f)
    args = (3.0,) if kind in ("grad", "value_and_grad") else (3.0, 1.0)
    with pytest.raises(DifferentiationError, match=f"{f.__name__} returns {what}"):
        d(*args)


def test_vjp_cotangent_of_wrong_shape():
    with pytest.raises(DifferentiationError, match=r"cotangent has shape \(4,\).*shape \(3,\)"):
        adgen.vjp(lambda x: x * 2.0)(np.ones(3), np.ones(4))


def test_vjp_cotangent_of_wrong_structure():
    with pytest.raises(DifferentiationError, match="tuple of 2"):
        adgen.vjp(pair)(np.ones(3), np.ones(3))
    with pytest.raises(DifferentiationError, match=r"cotangent\[1\] is None"):
        adgen.vjp(pair)(np.ones(3), (np.ones(3), None))
    with pytest.raises(DifferentiationError, match="is one value"):
        adgen.vjp(identity)(np.ones(3), (np.ones(3), np.ones(3)))


def test_forgotten_cotangent_and_tangents():
    with pytest.raises(DifferentiationError, match="the cotangent is missing"):
        adgen.vjp(identity)(np.ones(3))
    with pytest.raises(DifferentiationError, match=r"\(dx, dy\).*tangents are missing"):
        adgen.jvp(lambda x, y: x * y, wrt=(0, 1))(np.ones(3), np.ones(3), np.ones(3))
    with pytest.raises(DifferentiationError, match="tangent for 'x' is None"):
        adgen.jvp(identity)(np.ones(3), None)


def test_argnums_points_to_wrt():
    for make in (
        adgen.grad,
        adgen.value_and_grad,
        adgen.vjp,
        adgen.jvp,
        adgen.jacobian,
        adgen.hessian,
    ):
        with pytest.raises(DifferentiationError, match="wrt="):
            make(identity, argnums=0)


def test_advice_fits_the_call():
    def typed(x):
        y = np.sin(x)  # computed inside: its type is not known while compiling
        if isinstance(y, float):
            return y * 2.0
        return y

    def noisy(x):
        return x * np.random.normal()

    def unknown(x):
        return np.sum(np.unwrap(x))

    with pytest.raises(adgen.UnsupportedSyntaxError) as info:
        adgen.grad(typed)(1.0)
    assert "type of a value" in str(info.value) and "defvjp" not in str(info.value)
    with pytest.raises(adgen.UnsupportedSyntaxError) as info:
        adgen.grad(noisy)(1.0)
    assert "pass them as an argument" in str(info.value) and "defvjp" not in str(info.value)
    with pytest.raises(adgen.UnsupportedSyntaxError, match="defvjp"):
        adgen.grad(unknown)(np.ones(3))
