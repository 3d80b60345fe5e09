"""adgen: source-to-source automatic differentiation for Python and NumPy.

Read a plain Python function's source, lower it to an SSA list of primitive
ops, differentiate it in forward or reverse mode, and run readable generated
Python. See ``adgen.grad``, ``adgen.jvp``, ``adgen.vjp`` and ``adgen.source``.
"""

from .api import (
    differentiate,
    grad,
    hessian,
    jacobian,
    jvp,
    source,
    value_and_grad,
    vjp,
)
from .custom import custom_derivative, defjvp, defvjp
from .errors import (
    DifferentiationError,
    SourceNotFoundError,
    UnsupportedSyntaxError,
)
from .primitives.builtins import stop_gradient
from .settings import config
from .trees import register_pytree
from .version import __version__

__all__ = [
    "DifferentiationError",
    "SourceNotFoundError",
    "UnsupportedSyntaxError",
    "__version__",
    "config",
    "custom_derivative",
    "defjvp",
    "defvjp",
    "differentiate",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "register_pytree",
    "source",
    "stop_gradient",
    "value_and_grad",
    "vjp",
]
