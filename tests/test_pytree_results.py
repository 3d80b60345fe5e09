"""Containers as results, and second derivatives with container arguments (issue 15,
item 2). Each case here was refused before: ``no derivative rule for P`` at a
NamedTuple or dataclass constructor, "with respect to a tuple, list or dict argument
is not supported" for a Hessian or Jacobian, "differentiating a derivative with
tuple, list or dict arguments" for jvp of grad. Values are checked against central
finite differences (adgen.testing) and against the same derivative of an equivalent
function of plain arrays; the catalog (tests/catalog_pytrees.py) runs more cases
in both modes and to second order."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from catalog_pytrees import Affine, Out, Scaled

import adgen
from adgen import trees
from adgen.testing import check_grads, numeric_jvp

P, C, Box = Out, Affine, Scaled  # short names here

X = np.array([0.3, 0.5, -0.2])
V = np.array([1.0, -2.0, 0.5])


def to_p(x):
    return P(np.sin(x[0]), x * 2.0)


def to_p_by_keyword(x):
    return P(b=x**2, a=np.sum(x))


def to_c(x, s):
    return C(w=np.cos(x) * s)


def to_box(x):
    return Box(x * 3.0, 2.0)


def leaves(x):
    return trees.leaves(x, trees.tree_of(x))


def assert_tree_close(a, b, rtol=1e-10, atol=1e-12):
    assert trees.tree_of(a) == trees.tree_of(b)
    for x, y in zip(leaves(a), leaves(b), strict=True):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


# ----------------------------------------------------------------- results


def test_jvp_and_vjp_of_a_namedtuple_result():
    value, tangent = adgen.jvp(to_p)(X, V)
    assert type(value) is P and type(tangent) is P
    assert_tree_close(value, to_p(X))
    assert_tree_close(tangent, numeric_jvp(to_p, [X], [0], [V]), rtol=1e-6, atol=1e-8)
    u = P(0.7, np.array([0.2, -0.1, 0.4]))
    g = adgen.vjp(to_p)(X, u)
    assert g == pytest.approx(np.array([0.7 * np.cos(X[0]), 0.0, 0.0]) + 2.0 * u.b)
    check_grads(to_p, (X,))


def test_keyword_constructors_defaults_and_a_registered_class():
    for f, args in ((to_p_by_keyword, (X,)), (to_c, (X, 1.5)), (to_box, (X,))):
        check_grads(f, args, wrt=0)
    value, tangent = adgen.jvp(to_c)(X, 1.5, V)
    assert type(tangent) is C and tangent.b == 0.0 and value.b == 0.5  # the default
    _, t = adgen.jvp(to_box)(X, V)
    assert type(t) is Box and t.scale == 2.0
    np.testing.assert_allclose(t.inner, 3.0 * V)


def test_replace_and_dataclasses_replace():
    def f(x):
        p = P(1.0, x)._replace(a=np.sum(x**2))
        c = dataclasses.replace(C(x, 2.0), b=np.prod(x))
        return {"p": p, "c": c}

    value, tangent = adgen.jvp(f)(X, V)
    assert type(value["p"]) is P and type(tangent["c"]) is C
    assert tangent["p"].a == pytest.approx(2 * np.sum(X * V))
    check_grads(f, (X,))


def test_nested_with_tuples_dicts_and_lists_and_as_aux():
    def f(x):
        return {"p": P(x[0], x), "more": [C(x * x), (x[1], Box(np.sin(x), 1.0))]}

    check_grads(f, (X,))

    def with_aux(x):
        return np.sum(x**2), P(x[0], x)

    g, aux = adgen.grad(with_aux, has_aux=True)(X)
    assert type(aux) is P
    np.testing.assert_allclose(g, 2 * X)


def test_a_cotangent_of_the_wrong_class_or_structure_is_refused():
    u = P(1.0, V)
    with pytest.raises(adgen.DifferentiationError, match=r"must be an Out.*not a tuple"):
        adgen.vjp(to_p)(X, (1.0, V))
    with pytest.raises(
        adgen.DifferentiationError,
        match=r"must be an Affine, as to_c's result is, not .*catalog_pytrees\.Out",
    ):
        adgen.vjp(to_c)(X, 1.5, u)
    with pytest.raises(adgen.DifferentiationError, match=r"cotangent\['p'\] must be an Out"):
        adgen.vjp(lambda x: {"p": to_p(x)})(X, {"p": {"a": 1.0, "b": V}})
    with pytest.raises(adgen.DifferentiationError, match=r"keys 'p'"):
        adgen.vjp(lambda x: {"p": to_p(x)})(X, {"q": u})
    with pytest.raises(adgen.DifferentiationError, match=r"static data 2\.0"):
        adgen.vjp(to_box)(X, Box(V, 5.0))


def test_constructors_adgen_cannot_follow_are_refused_naming_the_class():
    @dataclass
    class Checked:
        w: np.ndarray

        def __post_init__(self):
            self.w = self.w * 1.0

    with pytest.raises(adgen.DifferentiationError, match=r"Checked's constructor computes"):
        adgen.jvp(lambda x: Checked(x))(X, V)
    with pytest.raises(adgen.DifferentiationError, match=r"does not match its fields"):
        adgen.jvp(lambda x: P(x))(X, V)

    @dataclass
    class Unset:
        w: np.ndarray
        n: int = dataclasses.field(init=False)

    with pytest.raises(adgen.DifferentiationError, match=r"Unset cannot be taken apart"):
        adgen.jvp(lambda x: Unset(x))(X, V)
    with pytest.raises(adgen.DifferentiationError, match=r"fields set outside __init__"):
        unset = Unset(X)
        unset.n = 2
        adgen.jvp(lambda x, u: dataclasses.replace(u, w=x * 2.0))(X, unset, V)

    class Static:
        def __init__(self, inner, scale):
            self.inner, self.scale = inner, scale

    adgen.register_pytree(Static, lambda s: ((), (s.inner, s.scale)), lambda aux, _: Static(*aux))
    with pytest.raises(adgen.DifferentiationError, match=r"static data"):
        adgen.jvp(lambda x: Static(x, 2.0))(X, V)


def test_registering_a_class_again_recompiles():
    class Pair:
        def __init__(self, first, second):
            self.first, self.second = first, second

    def swap_flatten(p):
        return (p.second, p.first), None

    adgen.register_pytree(Pair, lambda p: ((p.first, p.second), None), lambda _, c: Pair(*c))

    def f(x):
        return Pair(x, 2.0 * x)

    _, t = adgen.jvp(f)(X, V)
    np.testing.assert_allclose(t.second, 2.0 * V)
    adgen.register_pytree(Pair, swap_flatten, lambda _, c: Pair(c[1], c[0]))
    _, t = adgen.jvp(f)(X, V)  # not the code compiled for the first registration
    np.testing.assert_allclose(t.first, V)
    np.testing.assert_allclose(t.second, 2.0 * V)


# ------------------------------------------------------------ jacobians


def test_jacobian_of_container_results_keeps_their_structure():
    jac = adgen.jacobian(to_p)(X)
    assert type(jac) is P
    np.testing.assert_allclose(jac.a, [np.cos(X[0]), 0.0, 0.0])
    np.testing.assert_allclose(jac.b, 2.0 * np.eye(3))
    pair = adgen.jacobian(lambda x: (np.sin(x[0]), x * 2.0))(X)  # crashed before
    assert type(pair) is tuple
    np.testing.assert_allclose(pair[1], 2.0 * np.eye(3))
    # Each block against finite differences: J v for a random v.
    f = to_p_by_keyword
    jac = adgen.jacobian(f, mode="reverse")(X)
    fd = numeric_jvp(f, [X], [0], [V])
    assert_tree_close(P(jac.a @ V, jac.b @ V), fd, rtol=1e-6, atol=1e-8)


def test_jacobian_with_respect_to_a_dict_with_a_namedtuple_result():
    def f(d):
        return P(np.sum(d["w"] ** 2) * d["b"], np.sin(d["w"]) * d["b"])

    d = {"w": X, "b": 1.5}
    jac = adgen.jacobian(f)(d)
    assert type(jac) is P and set(jac.a) == {"w", "b"}
    for mode in ("forward", "reverse"):  # one JVP per input element, one VJP per output
        assert_tree_close(adgen.jacobian(f, mode=mode)(d), jac, rtol=1e-12, atol=1e-14)
    assert jac.b["w"].shape == (3, 3) and jac.b["b"].shape == (3,)
    t = {"w": V, "b": 0.25}
    fd = numeric_jvp(f, [d], [0], [t])
    assert_tree_close(
        P(jac.a["w"] @ V + jac.a["b"] * 0.25, jac.b["w"] @ V + jac.b["b"] * 0.25),
        fd,
        rtol=1e-6,
        atol=1e-8,
    )


# ------------------------------------------------------------ second order


def loss(params, x):
    return np.sum(np.tanh(params["w"] * x) ** 2) * params["b"] + params["b"] ** 3


def loss_flat(w, b, x):
    return np.sum(np.tanh(w * x) ** 2) * b + b**3


def test_hessian_of_a_dict_argument_is_a_dict_of_dicts_of_blocks():
    params = {"w": np.array([0.4, -0.3, 0.8]), "b": 0.7}
    H = adgen.hessian(loss)(params, X)
    assert set(H) == {"w", "b"} and all(set(row) == {"w", "b"} for row in H.values())
    flat = adgen.hessian(loss_flat, wrt=(0, 1))(params["w"], params["b"], X)
    for i, ki in enumerate(("w", "b")):
        for j, kj in enumerate(("w", "b")):
            np.testing.assert_allclose(H[ki][kj], flat[i][j], rtol=1e-10, atol=1e-12)
    # H t against finite differences of the gradient.
    t = {"w": V, "b": -0.6}
    fd = numeric_jvp(adgen.grad(loss), [params, X], [0], [t])
    hv = {k: np.tensordot(H[k]["w"], V, axes=1) + H[k]["b"] * -0.6 for k in ("w", "b")}
    assert_tree_close(hv, fd, rtol=1e-5, atol=1e-7)


def energy(p):
    return np.sum(np.sin(p.w) * p.w) * p.b**2


def test_hessian_of_a_dataclass_and_of_a_namedtuple_argument():
    c = C(np.array([0.4, -0.3, 0.8]), 0.7)
    H = adgen.hessian(energy)(c)
    assert type(H) is C and type(H.w) is C and H.w.w.shape == (3, 3) and H.b.w.shape == (3,)
    p = P(0.7, c.w)
    Hp = adgen.hessian(lambda q: np.sum(np.sin(q.b) * q.b) * q.a**2)(p)
    assert type(Hp) is P and type(Hp.b) is P
    np.testing.assert_allclose(Hp.b.b, H.w.w, rtol=1e-12)
    np.testing.assert_allclose(Hp.a.b, H.b.w, rtol=1e-12)
    t = C(V, 0.3)
    fd = numeric_jvp(adgen.grad(energy), [c], [0], [t])
    hv = C(H.w.w @ V + H.w.b * 0.3, float(H.b.w @ V + H.b.b * 0.3))
    assert_tree_close(hv, fd, rtol=1e-5, atol=1e-7)
    check_grads(energy, (c,), order=2)


def test_jvp_of_grad_and_grad_of_a_nested_grad_with_containers():
    params = {"w": np.array([0.4, -0.3, 0.8]), "b": 0.7}
    t = {"w": V, "b": -0.6}
    g, hv = adgen.jvp(adgen.grad(loss))(params, X, t)
    assert set(g) == {"w", "b"} and set(hv) == {"w", "b"}
    assert_tree_close(hv, numeric_jvp(adgen.grad(loss), [params, X], [0], [t]), 1e-5, 1e-7)

    def outer(c):
        return adgen.grad(energy)(c).b * c.b + np.sum(adgen.grad(energy)(c).w)

    c = C(np.array([0.4, -0.3, 0.8]), 0.7)
    check_grads(outer, (c,))
    assert type(adgen.grad(outer)(c)) is C


def test_third_order_of_a_dict_argument():
    def cubic(d):
        return np.sum(d["w"] ** 3 * d["b"])

    d = {"w": X, "b": 2.0}
    T = adgen.jacobian(adgen.hessian(cubic))(d)
    np.testing.assert_allclose(
        T["w"]["w"]["w"], 6 * 2.0 * np.einsum("i,ij,ik->ijk", np.ones(3), np.eye(3), np.eye(3))
    )
    np.testing.assert_allclose(T["w"]["w"]["b"], np.diag(6 * X))
    np.testing.assert_allclose(T["b"]["b"]["b"], 0.0)


def mixed(params, y):
    return {"a": np.sum(params["w"] ** 2 * y), "b": np.sin(params["b"]) * y[0]}


def test_a_tuple_wrt_with_a_container_argument_nests_as_jax():
    """A tuple ``wrt`` is differentiated as the tuple of its arguments (a container):
    a dict result of tuples (one block per argument) of the dict argument's blocks."""
    params, y = {"w": X, "b": np.array([0.2, -0.4])}, V
    jac = adgen.jacobian(mixed, wrt=(0, 1))(params, y)
    assert set(jac) == {"a", "b"} and all(type(v) is tuple and len(v) == 2 for v in jac.values())
    assert jac["b"][0]["w"].shape == (2, 3) and jac["b"][1].shape == (2, 3)
    for mode in ("forward", "reverse"):
        assert_tree_close(adgen.jacobian(mixed, wrt=(0, 1), mode=mode)(params, y), jac)
    t = ({"w": V, "b": np.array([0.3, 0.1])}, X)
    fd = numeric_jvp(mixed, [params, y], [0, 1], list(t))
    jv = {
        k: sum(np.tensordot(jac[k][0][s], t[0][s], axes=1) for s in ("w", "b")) + jac[k][1] @ t[1]
        for k in ("a", "b")
    }
    assert_tree_close(jv, fd, rtol=1e-6, atol=1e-8)
    # The Hessian's blocks: those of each argument alone, and d/dy of the dict gradient.
    H = adgen.hessian(loss, wrt=(0, 1))(params | {"b": 0.7}, y)
    alone = adgen.hessian(loss)(params | {"b": 0.7}, y)
    assert_tree_close(H[0]["w"][0], alone["w"])
    np.testing.assert_allclose(H[1][1], adgen.hessian(loss, wrt=1)(params | {"b": 0.7}, y))
    fd = numeric_jvp(adgen.grad(loss), [params | {"b": 0.7}, y], [1], [X])
    assert_tree_close({k: H[0][k][1] @ X for k in ("w", "b")}, fd, rtol=1e-5, atol=1e-7)
    # jvp of the Jacobian takes one tangent per argument, each structured as its own.
    value, tangent = adgen.jvp(adgen.jacobian(mixed), wrt=(0, 1))(params, y, *t)
    assert_tree_close(value, adgen.jacobian(mixed)(params, y))
    shift = [lambda e, s=s: adgen.jacobian(mixed)(*_moved(params, y, t, s * e)) for s in (1, -1)]
    assert set(tangent) == {"a", "b"}
    for k in ("a", "b"):
        for s in ("w", "b"):
            fd = (shift[0](1e-6)[k][s] - shift[1](1e-6)[k][s]) / 2e-6
            np.testing.assert_allclose(tangent[k][s], fd, rtol=1e-5, atol=1e-7)
    with pytest.raises(adgen.DifferentiationError, match="as the argument params is"):
        adgen.jvp(adgen.jacobian(mixed), wrt=(0, 1))(params, y, {"w": V}, X)


def _moved(params, y, t, e):
    return {k: v + e * t[0][k] for k, v in params.items()}, y + e * t[1]


class Quadratic:
    """A parameter object (issue 11): not a container, its method read by the function."""

    def __init__(self, a):
        self.a = a

    def energy(self, x):
        return self.a * np.sum(x**3)


def energy_of(x, model):
    return model.energy(x)


def test_second_order_with_a_parameter_object():
    q = Quadratic(2.0)
    np.testing.assert_allclose(adgen.hessian(energy_of)(X, q), np.diag(12.0 * X), rtol=1e-12)

    def outer(x, model):
        return np.sum(adgen.grad(energy_of)(x, model) * x)  # refused before: type unknown

    check_grads(outer, (X, q))
    np.testing.assert_allclose(adgen.grad(outer)(X, q), 18.0 * X**2, rtol=1e-12)


def test_what_stays_refused_says_so():
    params = {"w": X, "b": 0.7}
    with pytest.raises(adgen.DifferentiationError, match="vjp of a jacobian or hessian"):
        adgen.vjp(adgen.jacobian(lambda d: d["w"] * d["b"]))(params, params)
    with pytest.raises(adgen.DifferentiationError, match=r"tangent\['w'\] must be of shape"):
        adgen.jvp(adgen.jacobian(lambda d: d["w"] * d["b"]))(params, {"w": V[:2], "b": 1.0})
    with pytest.raises(adgen.DifferentiationError, match="cotangent is a container"):
        adgen.jvp(adgen.vjp(to_p))(X, P(1.0, V), V, P(1.0, V))
