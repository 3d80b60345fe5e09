"""More array functions: np.atleast_1d/2d/3d (also what ``np.r_`` and ``np.c_`` lower to).

Each is a reshape of its operand, so its tangent is the same function of the
tangent and its adjoint reshapes back (``reshape_like``).
"""

from __future__ import annotations

import numpy as np

from .core import Primitive, call, define, template

for _n in (1, 2, 3):
    _name = f"atleast_{_n}d"
    define(
        Primitive(
            _name,
            template(f"np.{_name}(_0)"),
            ("x",),
            jvp=lambda ts, out, x, _name=_name: call(_name, ts[0]),
            vjps=(lambda g, out, x: call("reshape_like", g, x),),
            callables=(getattr(np, _name),),
            view="view",
            same_order=True,
            float_result="first",
            doc=f"x viewed with at least {_n} dimension(s) (one array only)",
        )
    )
