"""jvp, vjp and value_and_grad of a Jacobian or Hessian (:mod:`adgen.composed`).

Each is computed from the Jacobian one level deeper: a JVP contracts the new
level with the tangents given, a VJP contracts the deeper Jacobian's blocks
with the cotangent (which must have the Jacobian's structure and shapes), and
``value_and_grad`` evaluates both. With containers (see adgen.composed_trees) a
tangent must be structured as its argument, and a VJP is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import blocks
from .composed_trees import refuse_unlike
from .errors import DifferentiationError
from .highlight import to_html
from .tracebacks import boundary
from .trees import is_container


class Applied:
    """value_and_grad, jvp or vjp of a :class:`Jacobian`, from the Jacobian one level deeper."""

    def __init__(self, of: Any, deeper: Any, kind: str) -> None:
        self.of, self.deeper, self.kind = of, deeper, kind
        self.primal = of
        self.__name__ = deeper.__name__

    @property
    def source(self) -> str:
        return self.deeper.source

    def _repr_html_(self) -> str:
        return to_html(self.source)

    @boundary
    def __call__(self, *args: Any) -> Any:
        n = len(self.of._params)
        if self.kind == "value_and_grad":
            return self.of.evaluate(args), self.deeper.evaluate(args)
        level, tupled = self.deeper.levels[-1], self.deeper.tupled[-1]
        extra = len(level) if self.kind == "jvp" else 1
        if len(args) != n + extra:
            raise DifferentiationError(
                f"{self.__name__} takes the arguments of {self.of.__name__} "
                f"({', '.join(self.of._params)}), then "
                + (
                    f"one tangent per wrt argument ({len(level)})"
                    if self.kind == "jvp"
                    else "the cotangent"
                )
            )
        primals, given = args[:n], args[n:]
        value = self.of.evaluate(primals)
        if self.kind == "jvp":
            refuse_unlike("jvp", given, [(self.of._params[p], primals[p]) for p in level], False)
            for p, t in zip(level, given):
                if not is_container(primals[p]) and np.shape(t) != np.shape(primals[p]):
                    raise DifferentiationError(
                        f"jvp: the tangent for {self.of._params[p]!r} has shape "
                        f"{np.shape(t)}, but the argument has shape {np.shape(primals[p])}"
                    )
            return value, self.deeper.evaluate(primals, last=list(given))
        refuse_unlike("vjp", given, [], self.deeper.tree_route(primals))
        (cotangent,) = given
        _check_like(cotangent, value, self.of.__name__)
        full = self.deeper.evaluate(primals)
        grads: list[Any] = [0.0] * len(level)
        for (v, c), (_, d) in zip(
            blocks.leaf_pairs(value, cotangent), blocks.leaf_pairs(value, full), strict=True
        ):
            parts = d if tupled else (d,)
            for j, part in enumerate(parts):
                grads[j] = grads[j] + np.tensordot(np.asarray(c), part, axes=np.ndim(v))
        return tuple(grads) if tupled else grads[0]


def _check_like(cotangent: Any, value: Any, name: str, path: str = "") -> None:
    """Refuse a cotangent whose tuples or shapes are not those of ``value``."""
    if isinstance(value, tuple):
        if not isinstance(cotangent, tuple) or len(cotangent) != len(value):
            raise DifferentiationError(
                f"vjp: the cotangent{path} must be a tuple of {len(value)}, shaped like "
                f"{name}'s result{path}"
            )
        for k, (c, v) in enumerate(zip(cotangent, value)):
            _check_like(c, v, name, f"{path}[{k}]")
    elif isinstance(cotangent, (str, bytes)) or cotangent is None or is_container(cotangent):
        raise DifferentiationError(
            f"vjp: the cotangent{path} must be an array shaped like {name}'s result{path} "
            f"{np.shape(value)}, not {type(cotangent).__name__}"
        )
    elif np.shape(cotangent) != np.shape(value):
        raise DifferentiationError(
            f"vjp: the cotangent{path} has shape {np.shape(cotangent)}, but {name} gives "
            f"shape {np.shape(value)}{' at ' + path if path else ''}: pass one shaped like "
            "its result"
        )
