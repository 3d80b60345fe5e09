"""scipy.stats distributions: pdf, logpdf, cdf, logcdf, sf and logsf as composites.

Each method (``scipy.stats.norm.logpdf(x, loc, scale)``) is a composite (see
:mod:`adgen.primitives.composite`): the call is expanded into the formula of
the density or distribution function over the primitives of the table, with
``z = (x - loc) / scale``. Every argument that is a real number is then
differentiable, to any order, through the primitives it reaches; the
distribution functions whose derivative in a shape parameter has no closed
form (the gamma cdf in ``a``, the beta cdf in ``a`` and ``b``, Student's t cdf
in ``df``) reach a primitive that refuses that parameter by name. Poisson's
``k`` and ``loc`` are counts: a differentiated one is refused. Outside the
support a density is 0 (its log ``-inf``) and a distribution function 0 or 1,
as in SciPy, with a zero derivative.

Like scipy.special, this family is defined only once the user's program has
imported ``scipy.stats``. Frozen distributions (``scipy.stats.norm(0, 1)``)
are refused: pass the parameters to the method instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import scipy.stats

from ..errors import DifferentiationError
from ..ir import Const
from . import special  # noqa: F401  (the scipy.special primitives the formulas use)
from .composite import Composite, define_composite
from .core import Primitive, Sym, call, define, template
from .refused import refuse

LOG_2PI = math.log(2 * math.pi)
LOG_PI = math.log(math.pi)
LOG2 = math.log(2.0)
INF = float("inf")


def _count_refused(g: Any, *args: Any, what: str = "", **kwargs: Any) -> None:
    raise DifferentiationError(
        f"{what} is a count (an integer): a probability mass function is not "
        "differentiable in it; pass it as a constant (or wrap it in stop_gradient)"
    )


define(
    Primitive(
        "count_operand",
        template("_0"),
        ("x",),
        attrs={"what": ""},
        jvp=lambda ts, out, x, what: None if ts[0] is None else _count_refused(None, what=what),
        vjps=(_count_refused,),
        view="view",
        same_order=True,
        float_result="first",
        shape_of=0,
        doc="x itself; refuses a differentiated x (the count k of a discrete distribution)",
    )
)


def _log(x: Sym) -> Sym:
    return call("log", x)


def _exp(x: Sym) -> Sym:
    return call("exp", x)


def _inside(test: Sym, z: Sym, formula: Formula, outside: float, safe: float = 1.0) -> Sym:
    """``formula(z)`` where ``test`` holds, else the constant ``outside``.

    The formula is evaluated at ``safe`` (a point inside the support) where the
    test fails, so that the branch not taken has finite values and derivatives:
    zero times an infinite derivative there would be NaN in the adjoint.
    """
    inside = call("where", test, z, safe)
    return call("where", test, formula(inside), outside)


def _branches(test: Sym, z: Sym, yes: Formula, no: Formula, safe_yes: float, safe_no: float) -> Sym:
    """``yes(z)`` where ``test`` holds, else ``no(z)``, each evaluated only on its side."""
    return call(
        "where", test, yes(call("where", test, z, safe_yes)), no(call("where", test, safe_no, z))
    )


def _standard(x: Sym, loc: Sym, scale: Sym) -> Sym:
    return (x - loc) / scale


# A distribution's formulas, each over (z, scale, *shape parameters); logpdf is
# given without its -log(scale) term, which _define_location_scale adds.
Formula = Callable[..., Sym]


def _define_location_scale(
    dist: str, shapes: tuple[str, ...], doc: str, formulas: dict[str, Formula]
) -> None:
    obj = getattr(scipy.stats, dist)
    params = ("x", *shapes, "loc", "scale")
    for method, formula in formulas.items():

        def body(x: Sym, *rest: Sym, formula: Formula = formula, method: str = method) -> Sym:
            *shape_args, loc, scale = rest
            z = _standard(x, loc, scale)
            if method in ("logpdf", "pdf"):
                logpdf = formula(z, *shape_args) - _log(scale)
                return logpdf if method == "logpdf" else _exp(logpdf)
            return formula(z, *shape_args)

        define_composite(
            Composite(
                f"{dist}.{method}",
                params,
                body,
                defaults={"loc": 0.0, "scale": 1.0},
                callables=(getattr(obj, method),),
                doc=f"{doc}: {method}({', '.join(params)})",
            )
        )


def _pdf_from_log(formulas: dict[str, Formula]) -> dict[str, Formula]:
    """``pdf`` next to ``logpdf``: the same formula, exponentiated by the definer."""
    return {**formulas, "pdf": formulas["logpdf"]}


def _norm_logpdf(z: Sym) -> Sym:
    return -0.5 * z**2 - 0.5 * LOG_2PI


_define_location_scale(
    "norm",
    (),
    "normal distribution",
    _pdf_from_log(
        {
            "logpdf": _norm_logpdf,
            "cdf": lambda z: call("ndtr", z),
            "logcdf": lambda z: call("log_ndtr", z),
            "sf": lambda z: call("ndtr", -z),
            "logsf": lambda z: call("log_ndtr", -z),
        }
    ),
)


def _t_logpdf(z: Sym, df: Sym) -> Sym:
    return (
        call("gammaln", (df + 1) / 2)
        - call("gammaln", df / 2)
        - 0.5 * _log(df * math.pi)
        - (df + 1) / 2 * call("log1p", z**2 / df)
    )


_define_location_scale(
    "t",
    ("df",),
    "Student's t distribution (cdf and sf not differentiable in df: refused)",
    _pdf_from_log(
        {
            "logpdf": _t_logpdf,
            "cdf": lambda z, df: call("stdtr", df, z),
            "logcdf": lambda z, df: _log(call("stdtr", df, z)),
            "sf": lambda z, df: call("stdtr", df, -z),
            "logsf": lambda z, df: _log(call("stdtr", df, -z)),
        }
    ),
)


def _gamma_logpdf(z: Sym, a: Sym) -> Sym:
    # At z = 0 the formula gives SciPy's value (0, finite or infinite with a).
    return _inside(z >= 0, z, lambda z: call("xlogy", a - 1, z) - z - call("gammaln", a), -INF)


_define_location_scale(
    "gamma",
    ("a",),
    "gamma distribution (cdf and sf not differentiable in a: refused)",
    _pdf_from_log(
        {
            "logpdf": _gamma_logpdf,
            "cdf": lambda z, a: _inside(z > 0, z, lambda z: call("gammainc", a, z), 0.0),
            "logcdf": lambda z, a: _inside(z > 0, z, lambda z: _log(call("gammainc", a, z)), -INF),
            "sf": lambda z, a: _inside(z > 0, z, lambda z: call("gammaincc", a, z), 1.0),
            "logsf": lambda z, a: _inside(z > 0, z, lambda z: _log(call("gammaincc", a, z)), 0.0),
        }
    ),
)


def _in_unit(z: Sym) -> Sym:
    return call("logical_and", z >= 0, z <= 1)


def _beta_logpdf(z: Sym, a: Sym, b: Sym) -> Sym:
    return _inside(
        _in_unit(z),
        z,
        lambda z: call("xlogy", a - 1, z) + call("xlog1py", b - 1, -z) - call("betaln", a, b),
        -INF,
        0.5,
    )


def _beta_cdf(z: Sym, a: Sym, b: Sym) -> Sym:
    inner = _inside(
        call("logical_and", z > 0, z < 1), z, lambda z: call("betainc", a, b, z), 0.0, 0.5
    )
    return call("where", z >= 1, 1.0, inner)


_define_location_scale(
    "beta",
    ("a", "b"),
    "beta distribution (cdf and sf not differentiable in a, b: refused)",
    _pdf_from_log(
        {
            "logpdf": _beta_logpdf,
            "cdf": _beta_cdf,
            "logcdf": lambda z, a, b: _log(_beta_cdf(z, a, b)),
            "sf": lambda z, a, b: 1 - _beta_cdf(z, a, b),
            "logsf": lambda z, a, b: call("log1p", -_beta_cdf(z, a, b)),
        }
    ),
)

_define_location_scale(
    "laplace",
    (),
    "Laplace distribution",
    _pdf_from_log(
        {
            "logpdf": lambda z: -call("abs", z) - LOG2,
            "cdf": lambda z: _branches(
                z < 0, z, lambda z: 0.5 * _exp(z), lambda z: 1 - 0.5 * _exp(-z), -1.0, 1.0
            ),
            "logcdf": lambda z: _branches(
                z < 0, z, lambda z: z - LOG2, lambda z: call("log1p", -0.5 * _exp(-z)), -1.0, 1.0
            ),
            "sf": lambda z: _branches(
                z > 0, z, lambda z: 0.5 * _exp(-z), lambda z: 1 - 0.5 * _exp(z), 1.0, -1.0
            ),
            "logsf": lambda z: _branches(
                z > 0, z, lambda z: -z - LOG2, lambda z: call("log1p", -0.5 * _exp(z)), 1.0, -1.0
            ),
        }
    ),
)


def _softplus(z: Sym) -> Sym:
    return call("logaddexp", 0.0, z)


_define_location_scale(
    "logistic",
    (),
    "logistic distribution",
    _pdf_from_log(
        {
            "logpdf": lambda z: -z - 2 * _softplus(-z),
            "cdf": lambda z: call("expit", z),
            "logcdf": lambda z: -_softplus(-z),
            "sf": lambda z: call("expit", -z),
            "logsf": lambda z: -_softplus(z),
        }
    ),
)

_define_location_scale(
    "expon",
    (),
    "exponential distribution",
    _pdf_from_log(
        {
            "logpdf": lambda z: _inside(z >= 0, z, lambda z: -z, -INF),
            "cdf": lambda z: _inside(z >= 0, z, lambda z: -call("expm1", -z), 0.0),
            "logcdf": lambda z: _inside(z > 0, z, lambda z: _log(-call("expm1", -z)), -INF),
            "sf": lambda z: _inside(z >= 0, z, lambda z: _exp(-z), 1.0),
            "logsf": lambda z: _inside(z >= 0, z, lambda z: -z, 0.0),
        }
    ),
)

_define_location_scale(
    "cauchy",
    (),
    "Cauchy distribution",
    _pdf_from_log(
        {
            "logpdf": lambda z: -LOG_PI - call("log1p", z**2),
            "cdf": lambda z: 0.5 + call("arctan", z) / math.pi,
            "logcdf": lambda z: _log(0.5 + call("arctan", z) / math.pi),
            "sf": lambda z: 0.5 - call("arctan", z) / math.pi,
            "logsf": lambda z: _log(0.5 - call("arctan", z) / math.pi),
        }
    ),
)


# ------------------------------------------------------------------ Poisson


def _poisson_logpmf(k: Sym, mu: Sym, loc: Sym) -> Sym:
    k = call("count_operand", k, what="the k of scipy.stats.poisson") - call(
        "count_operand", loc, what="the loc of scipy.stats.poisson"
    )
    whole = call("logical_and", k >= 0, call("eq", call("floor", k), k))
    return _inside(
        whole, k, lambda k: call("xlogy", k, mu) - mu - call("gammaln", k + 1), -INF, 0.0
    )


def _poisson_cdf(k: Sym, mu: Sym, loc: Sym) -> Sym:
    k = call(
        "floor",
        call("count_operand", k, what="the k of scipy.stats.poisson")
        - call("count_operand", loc, what="the loc of scipy.stats.poisson"),
    )
    return _inside(k >= 0, k, lambda k: call("gammaincc", k + 1, mu), 0.0, 0.0)


_POISSON: dict[str, Formula] = {
    "logpmf": _poisson_logpmf,
    "pmf": lambda k, mu, loc: _exp(_poisson_logpmf(k, mu, loc)),
    "cdf": _poisson_cdf,
    "logcdf": lambda k, mu, loc: _log(_poisson_cdf(k, mu, loc)),
    "sf": lambda k, mu, loc: 1 - _poisson_cdf(k, mu, loc),
    "logsf": lambda k, mu, loc: call("log1p", -_poisson_cdf(k, mu, loc)),
}
for _method, _formula in _POISSON.items():
    define_composite(
        Composite(
            f"poisson.{_method}",
            ("k", "mu", "loc"),
            _formula,
            defaults={"loc": 0},
            callables=(getattr(scipy.stats.poisson, _method),),
            doc=f"Poisson distribution: {_method}(k, mu, loc); differentiable in mu "
            "(k and loc are counts: refused)",
        )
    )


# ------------------------------------------------------ multivariate families


def _mvn_logpdf(x: Sym, mean: Sym, cov: Sym) -> Sym:
    """For x of shape (k,) or (n, k) (one row per point) and a (k, k) covariance."""
    if isinstance(cov.v, Const):
        raise DifferentiationError(
            "scipy.stats.multivariate_normal needs its covariance as a (k, k) matrix "
            "here (cov=...); a scalar or default covariance is not supported"
        )
    d = x - mean
    dt = call("transpose", d)
    maha = call("sum", d * call("transpose", call("solve", cov, dt)), axis=-1)
    k = call("len", cov)
    return -0.5 * (maha + call("slogdet_logabsdet", cov) + k * LOG_2PI)


for _method, _formula in {
    "logpdf": _mvn_logpdf,
    "pdf": lambda x, mean, cov: _exp(_mvn_logpdf(x, mean, cov)),
}.items():
    define_composite(
        Composite(
            f"multivariate_normal.{_method}",
            ("x", "mean", "cov"),
            _formula,
            defaults={"mean": 0.0},
            callables=(getattr(scipy.stats.multivariate_normal, _method),),
            doc=f"multivariate normal distribution: {_method}(x, mean, cov), x of shape (k,) "
            "or (n, k), cov a (k, k) matrix",
        )
    )


def _dirichlet_logpdf(x: Sym, alpha: Sym) -> Sym:
    """For x of shape (k,) or (k, n) (one column per point), as in SciPy."""
    log_kernel = call("transpose", call("xlogy", alpha - 1, call("transpose", x)))
    return (
        call("sum", log_kernel, axis=0)
        + call("gammaln", call("sum", alpha))
        - call("sum", call("gammaln", alpha))
    )


for _method, _formula in {
    "logpdf": _dirichlet_logpdf,
    "pdf": lambda x, alpha: _exp(_dirichlet_logpdf(x, alpha)),
}.items():
    define_composite(
        Composite(
            f"dirichlet.{_method}",
            ("x", "alpha"),
            _formula,
            callables=(getattr(scipy.stats.dirichlet, _method),),
            doc=f"Dirichlet distribution: {_method}(x, alpha), x of shape (k,) or (k, n)",
        )
    )


_FROZEN = (
    "calling a scipy.stats distribution makes a frozen distribution, which adgen "
    "does not follow; pass the parameters to the method instead, as in "
    "scipy.stats.norm.logpdf(x, loc, scale)"
)
refuse(
    tuple(
        getattr(scipy.stats, n)
        for n in (
            "norm",
            "t",
            "gamma",
            "beta",
            "laplace",
            "logistic",
            "expon",
            "cauchy",
            "poisson",
            "multivariate_normal",
            "dirichlet",
        )
    ),
    _FROZEN,
)
