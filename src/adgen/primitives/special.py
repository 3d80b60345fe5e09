"""SciPy's special functions: expit, logit, erf, gammaln, logsumexp, softmax...

SciPy is optional. This module is imported only once the user's program has
imported ``scipy.special`` (see :func:`adgen.primitives.core.load_deferred`),
so adgen itself never imports SciPy. Generated code calls the functions as
``scipy.special.<name>``.
"""

from __future__ import annotations

import math
from typing import Any

import scipy.special

from ..errors import DifferentiationError
from ..ir import Const
from .arith import unbroadcast
from .composite import Composite, define_composite
from .core import Primitive, Sym, call, define, template
from .elementwise import binary, unary
from .reductions import restore

SP = ("scipy.special",)
SQRT_PI = math.sqrt(math.pi)
SQRT_2PI = math.sqrt(2 * math.pi)


def _special(name: str, derivative: Any, doc: str, aliases: tuple[Any, ...] = ()) -> None:
    unary(
        name,
        derivative,
        (getattr(scipy.special, name), *aliases),
        doc,
        emit=f"scipy.special.{name}(_0)",
        modules=SP,
    )


_special("expit", lambda y, x: y * (1 - y), "logistic sigmoid 1 / (1 + exp(-x))")
_special("logit", lambda y, x: 1 / (x * (1 - x)), "log(x / (1 - x))")
_special("erf", lambda y, x: (2 / SQRT_PI) * call("exp", -(x**2)), "error function")
_special("erfc", lambda y, x: (-2 / SQRT_PI) * call("exp", -(x**2)), "complementary error function")
_special("erfinv", lambda y, x: (SQRT_PI / 2) * call("exp", y**2), "inverse error function")
_special(
    "ndtr",
    lambda y, x: call("exp", -0.5 * x**2) / SQRT_2PI,
    "standard normal distribution function",
)
_special(
    "log_ndtr",
    lambda y, x: call("exp", -0.5 * x**2 - y) / SQRT_2PI,
    "log of the standard normal distribution function",
)
_special("gamma", lambda y, x: y * call("digamma", x), "gamma function")
_special("gammaln", lambda y, x: call("digamma", x), "log |gamma(x)|")
_special("digamma", lambda y, x: call("polygamma", 1, x), "digamma (psi) function")


def _order_refused(function: str, operand: str) -> Any:
    """A rule refusing a derivative in an order parameter (integers, or not smooth)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DifferentiationError(
            f"{function} is not differentiable in its order {operand}: adgen refuses a "
            f"differentiated {operand}; pass it as a constant (or wrap it in stop_gradient)"
        )

    return refuse


_POLYGAMMA_N = _order_refused("scipy.special.polygamma", "n")


def _polygamma_jvp(ts: list[Sym | None], out: Sym, n: Sym, x: Sym) -> Sym | None:
    if ts[0] is not None:
        _POLYGAMMA_N()
    return None if ts[1] is None else ts[1] * call("polygamma", n + 1, x)


define(
    Primitive(
        "polygamma",
        template("scipy.special.polygamma(_0, _1)"),
        ("n", "x"),
        jvp=_polygamma_jvp,
        vjps=(_POLYGAMMA_N, lambda g, out, n, x: g * call("polygamma", n + 1, x)),
        callables=(scipy.special.polygamma,),
        modules=SP,
        elementwise=True,
        doc="n-th derivative of the digamma function (not differentiable in n)",
    )
)

binary(
    "xlogy",
    lambda out, x, y: call("log", y),
    lambda out, x, y: x / y,
    (scipy.special.xlogy,),
    "x * log(y), 0 where x = 0",
    emit="scipy.special.xlogy(_0, _1)",
    modules=SP,
)
binary(
    "xlog1py",
    lambda out, x, y: call("log1p", y),
    lambda out, x, y: x / (1 + y),
    (scipy.special.xlog1py,),
    "x * log1p(y), 0 where x = 0",
    emit="scipy.special.xlog1py(_0, _1)",
    modules=SP,
)


def _logsumexp_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    weights = call("exp", x - restore(out, x, axis, keepdims))
    return call("sum", weights * ts[0], axis=axis, keepdims=keepdims)


def _logsumexp_vjp(g: Sym, out: Sym, x: Sym, axis: Any, keepdims: bool) -> Sym:
    return restore(g, x, axis, keepdims) * call("exp", x - restore(out, x, axis, keepdims))


define(
    Primitive(
        "logsumexp",
        template("scipy.special.logsumexp(_0)"),
        ("a",),
        attrs={"axis": None, "keepdims": False},
        jvp=_logsumexp_jvp,
        vjps=(_logsumexp_vjp,),
        modules=SP,
        float_result="always",
        doc="log of the sum of exp(a) over all or the given axes (scipy.special.logsumexp "
        "without b or return_sign)",
    )
)

# With weights b: S = sum(b * exp(a)), the value log |S| and the sign of S.
# d log|S| = dS / S, with S / |S| the sign: the weights of the derivative are
# sign * exp(a - log|S|), in a (times b) and in b.
_LSE_ATTRS = {"axis": None, "keepdims": False}
_LSE_CALL = "scipy.special.logsumexp(_0, axis=_axis, b=_1, keepdims=_keepdims"


def _lse_weights(out: Sym, a: Sym, b: Sym, axis: Any, keepdims: bool) -> Sym:
    sign = call("logsumexp_sign", a, b, axis=axis, keepdims=keepdims)
    return call("exp", a - restore(out, a, axis, keepdims)) * restore(sign, a, axis, keepdims)


def _no_b(b: Sym) -> bool:
    return isinstance(b.v, Const) and b.v.value is None


def _lse_b_jvp(ts: list[Sym | None], out: Sym, a: Sym, b: Sym, axis: Any, keepdims: bool) -> Sym:
    w = _lse_weights(out, a, b, axis, keepdims)
    parts = [
        t
        for t in (None if ts[0] is None else ts[0] if _no_b(b) else b * ts[0], ts[1])
        if t is not None
    ]
    total = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    return call("sum", w * total, axis=axis, keepdims=keepdims)


def _lse_b_vjp_a(g: Sym, out: Sym, a: Sym, b: Sym, axis: Any, keepdims: bool) -> Sym:
    w = restore(g, a, axis, keepdims) * _lse_weights(out, a, b, axis, keepdims)
    return unbroadcast(w if _no_b(b) else w * b, a)


def _lse_b_vjp_b(g: Sym, out: Sym, a: Sym, b: Sym, axis: Any, keepdims: bool) -> Sym:
    return unbroadcast(restore(g, a, axis, keepdims) * _lse_weights(out, a, b, axis, keepdims), b)


for _name, _call, _doc in (
    (
        "logsumexp_abs",
        ", return_sign=True)[0]",
        "log |sum(b * exp(a))| over all or the given axes (b may be None): "
        "lse, _ = scipy.special.logsumexp(a, b=b, return_sign=True)",
    ),
    (
        "logsumexp_b",
        ")",
        "log(sum(b * exp(a))) over all or the given axes: scipy.special.logsumexp(a, b=b) "
        "(NaN where the sum is negative, as in SciPy)",
    ),
):
    define(
        Primitive(
            _name,
            template(_LSE_CALL + _call, _LSE_ATTRS),
            ("a", "b"),
            attrs=dict(_LSE_ATTRS),
            jvp=_lse_b_jvp,
            vjps=(_lse_b_vjp_a, _lse_b_vjp_b),
            modules=SP,
            float_result="always",
            doc=_doc,
        )
    )

define(
    Primitive(
        "logsumexp_sign",
        template(_LSE_CALL + ", return_sign=True)[1]", _LSE_ATTRS),
        ("a", "b"),
        attrs=dict(_LSE_ATTRS),
        differentiable=False,
        modules=SP,
        float_result="always",
        doc="the sign of sum(b * exp(a)): _, sign = scipy.special.logsumexp(a, b=b, "
        "return_sign=True) (piecewise constant: zero derivative)",
    )
)


def _logsumexp(
    a: Sym, b: Sym, axis: Any = None, keepdims: bool = False, return_sign: bool = False
) -> Sym | tuple[Sym, Sym]:
    kw = {"axis": axis, "keepdims": keepdims}
    if not return_sign:
        return call("logsumexp", a, **kw) if _no_b(b) else call("logsumexp_b", a, b, **kw)
    return call("logsumexp_abs", a, b, **kw), call("logsumexp_sign", a, b, **kw)


define_composite(
    Composite(
        "logsumexp",
        ("a", "b"),
        _logsumexp,
        defaults={"b": None},
        attrs={"axis": None, "keepdims": False, "return_sign": False},
        positional=("a", "axis", "b", "keepdims", "return_sign"),
        callables=(scipy.special.logsumexp,),
        doc="log(sum(b * exp(a))) over all or the given axes, with weights b and "
        "return_sign=True (lse, sign = ...) as in SciPy",
    )
)


def _softmax_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any) -> Sym:
    t = ts[0]
    return out * (t - call("sum", out * t, axis=axis, keepdims=True))


def _log_softmax_jvp(ts: list[Sym | None], out: Sym, x: Sym, axis: Any) -> Sym:
    t = ts[0]
    return t - call("sum", call("exp", out) * t, axis=axis, keepdims=True)


define(
    Primitive(
        "softmax",
        template("scipy.special.softmax(_0)"),
        ("x",),
        attrs={"axis": None},
        jvp=_softmax_jvp,
        vjps=(lambda g, out, x, axis: out * (g - call("sum", g * out, axis=axis, keepdims=True)),),
        callables=(scipy.special.softmax,),
        modules=SP,
        shape_of=0,
        doc="exp(x) / sum(exp(x)) over all or the given axes",
    )
)

define(
    Primitive(
        "log_softmax",
        template("scipy.special.log_softmax(_0)"),
        ("x",),
        attrs={"axis": None},
        jvp=_log_softmax_jvp,
        vjps=(
            lambda g, out, x, axis: g - call("exp", out) * call("sum", g, axis=axis, keepdims=True),
        ),
        callables=(scipy.special.log_softmax,),
        modules=SP,
        shape_of=0,
        doc="log(softmax(x)) over all or the given axes",
    )
)


# ------------------------------------------- more functions (issue 12)

_special(
    "erfcinv",
    lambda y, x: (-SQRT_PI / 2) * call("exp", y**2),
    "inverse complementary error function",
)
_special(
    "ndtri",
    lambda y, x: SQRT_2PI * call("exp", 0.5 * y**2),
    "inverse of the standard normal distribution function",
)
_special("i0", lambda y, x: call("i1", x), "modified Bessel function of order 0")
# i1' = (i0 + i2) / 2, which holds at x = 0 too (where i0 - i1 / x is 0 / 0).
_special(
    "i1",
    lambda y, x: 0.5 * (call("i0", x) + call("iv", 2.0, x)),
    "modified Bessel function of order 1",
)

binary(
    "betaln",
    lambda out, a, b: call("digamma", a) - call("digamma", a + b),
    lambda out, a, b: call("digamma", b) - call("digamma", a + b),
    (scipy.special.betaln,),
    "log |B(a, b)|",
    emit="scipy.special.betaln(_0, _1)",
    modules=SP,
)


def _order_function(name: str, dx: Any, doc: str) -> None:
    """``f(v, x)`` of an order ``v`` (refused as differentiated) and a variable ``x``."""
    refused = _order_refused(f"scipy.special.{name}", "v")

    def jvp(ts: list[Sym | None], out: Sym, v: Sym, x: Sym) -> Sym | None:
        if ts[0] is not None:
            refused()
        return None if ts[1] is None else ts[1] * dx(out, v, x)

    define(
        Primitive(
            name,
            template(f"scipy.special.{name}(_0, _1)"),
            ("v", "x"),
            jvp=jvp,
            vjps=(refused, lambda g, out, v, x: unbroadcast(g * dx(out, v, x), x)),
            callables=(getattr(scipy.special, name),),
            modules=SP,
            elementwise=True,
            doc=f"{doc} (not differentiable in the order v: refused)",
        )
    )


_order_function(
    "iv",
    lambda out, v, x: 0.5 * (call("iv", v - 1, x) + call("iv", v + 1, x)),
    "modified Bessel function of the first kind of real order v",
)
_order_function(
    "jv",
    lambda out, v, x: 0.5 * (call("jv", v - 1, x) - call("jv", v + 1, x)),
    "Bessel function of the first kind of real order v",
)
_order_function(
    "yv",
    lambda out, v, x: 0.5 * (call("yv", v - 1, x) - call("yv", v + 1, x)),
    "Bessel function of the second kind of real order v",
)
_order_function(
    "ive",
    lambda out, v, x: 0.5 * (call("ive", v - 1, x) + call("ive", v + 1, x)) - call("sign", x) * out,
    "exponentially scaled modified Bessel function iv(v, x) * exp(-|x|)",
)


# ------------------------------- incomplete gamma and beta, Student's t distribution


def _last_only(name: str, operands: tuple[str, ...], dx: Any, doc: str, why: str) -> None:
    """``f(p..., x)``: differentiable in its last operand only, refused in the others.

    ``dx(out, *args)`` is the partial derivative in x; the derivatives in the
    leading (shape) parameters have no closed form, so a differentiated one is
    refused by name rather than treated as a constant.
    """
    rules: list[Any] = []
    for p in operands[:-1]:
        message = (
            f"scipy.special.{name} is not differentiable in its parameter {p} "
            f"here: {why}; pass {p} as a constant (or wrap it in stop_gradient)"
        )

        def refused(*args: Any, message: str = message, **kwargs: Any) -> None:
            raise DifferentiationError(message)

        rules.append(refused)

    def jvp(ts: list[Sym | None], out: Sym, *args: Sym) -> Sym | None:
        for t, rule in zip(ts[:-1], rules, strict=True):
            if t is not None:
                rule()
        return None if ts[-1] is None else ts[-1] * dx(out, *args)

    def vjp(g: Sym, out: Sym, *args: Sym) -> Sym:
        return unbroadcast(g * dx(out, *args), args[-1])

    define(
        Primitive(
            name,
            template(f"scipy.special.{name}({', '.join(f'_{i}' for i in range(len(operands)))})"),
            operands,
            jvp=jvp,
            vjps=(*rules, vjp),
            callables=(getattr(scipy.special, name),),
            modules=SP,
            elementwise=True,
            float_result="always",
            doc=f"{doc} (differentiable in {operands[-1]} only)",
        )
    )


_NO_CLOSED_FORM = "its derivative there has no closed form"


def _gamma_density(a: Sym, x: Sym) -> Sym:
    return call("exp", call("xlogy", a - 1, x) - x - call("gammaln", a))


def _t_density(df: Sym, t: Sym) -> Sym:
    return call(
        "exp",
        call("gammaln", (df + 1) / 2)
        - call("gammaln", df / 2)
        - 0.5 * call("log", df * math.pi)
        - (df + 1) / 2 * call("log1p", t**2 / df),
    )


_last_only(
    "gammainc",
    ("a", "x"),
    lambda out, a, x: _gamma_density(a, x),
    "regularized lower incomplete gamma function P(a, x)",
    _NO_CLOSED_FORM,
)
_last_only(
    "gammaincc",
    ("a", "x"),
    lambda out, a, x: -_gamma_density(a, x),
    "regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)",
    _NO_CLOSED_FORM,
)
_last_only(
    "betainc",
    ("a", "b", "x"),
    lambda out, a, b, x: call(
        "exp", call("xlogy", a - 1, x) + call("xlog1py", b - 1, -x) - call("betaln", a, b)
    ),
    "regularized incomplete beta function I_x(a, b)",
    _NO_CLOSED_FORM,
)
_last_only(
    "stdtr",
    ("df", "t"),
    lambda out, df, t: _t_density(df, t),
    "distribution function of Student's t with df degrees of freedom",
    _NO_CLOSED_FORM,
)
