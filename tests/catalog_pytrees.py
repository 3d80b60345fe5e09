"""Catalog cases for pytrees (issue 15, item 2): NamedTuples, dataclasses and registered
classes built and returned by the function, and second order with container
arguments. Registered into :data:`catalog.CASES` when catalog is imported; each
case was refused before (``no derivative rule for P`` at the constructor, or
"with respect to a tuple, list or dict argument is not supported" at second order).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from catalog import case

import adgen


class Out(NamedTuple):
    a: float
    b: np.ndarray


@dataclass
class Affine:
    w: np.ndarray
    b: float = 0.5


class Scaled:
    """A registered class: ``inner`` is a child, ``scale`` static data."""

    def __init__(self, inner, scale):
        self.inner = inner
        self.scale = scale


adgen.register_pytree(
    Scaled, lambda s: ((s.inner,), s.scale), lambda scale, children: Scaled(children[0], scale)
)


def _vec_and_params(rng):
    return [rng.standard_normal(3), {"w": rng.standard_normal(3), "b": 0.4}]


@case(lambda rng: [rng.standard_normal(3)])
def namedtuple_result(x):
    return Out(np.sin(x[0]) * x[1], x * np.cos(x))


@case(lambda rng: [rng.standard_normal(3), 1.3], wrts=(0, 1, (0, 1)))
def namedtuple_result_by_keyword_and_replace(x, s):
    p = Out(b=x**2, a=s)
    p = p._replace(a=p.a * np.sum(x))
    return p


@case(lambda rng: [rng.standard_normal(3)])
def dataclass_result_with_a_default(x):
    layer = Affine(w=np.tanh(x))
    moved = dataclasses.replace(layer, b=np.sum(layer.w**2))
    return {"first": layer, "moved": moved, "pair": [Out(x[2], x), x[0]]}


@case(lambda rng: [rng.standard_normal(3)])
def registered_result(x):
    return Scaled(np.exp(0.5 * x), 3.0)


def _as_affine(x, params):
    return Affine(params["w"] * x, params["b"])


@case(_vec_and_params, wrts=(0, 1, (0, 1)))
def helper_returns_a_dataclass(x, params):
    layer = _as_affine(x, params)
    return Out(np.sum(layer.w) * layer.b, layer.w)


@case(_vec_and_params, wrts=(0, 1, (0, 1)), order=2)
def second_order_with_a_dict(x, params):
    return np.sum(np.tanh(params["w"] * x) ** 2) * params["b"] + params["b"] ** 3


@case(
    lambda rng: [Affine(rng.standard_normal(3), 0.8), Out(0.3, rng.standard_normal(3))],
    wrts=(0, 1, (0, 1)),
    order=2,
)
def second_order_with_a_dataclass_and_a_namedtuple(layer, o):
    return np.sum(np.sin(layer.w * o.b)) * layer.b + o.a * np.sum(layer.w**2)


def _energy(p):
    return np.sum(p.w**3) * p.b


@case(lambda rng: [Affine(rng.standard_normal(3), 0.7)], order=2)
def nested_grad_of_a_dataclass(p):
    g = adgen.grad(_energy)(p)
    return np.sum(g.w**2) + g.b * p.b
