"""Functions adgen refuses by name, with what to do instead.

A call of one of these in a differentiated function raises a
:class:`~adgen.DifferentiationError` with its message, rather than the generic
"no derivative rule". adgen differentiates real-valued code only: complex
numbers (literals, complex arguments, conversions to complex dtypes) and the
functions that exist for them (``np.real``, ``np.fft.fft``...) are refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COMPLEX = (
    "adgen does not differentiate complex numbers; keep the real and imaginary "
    "parts as two real arrays"
)

# Callable -> why it is refused.
REFUSED: dict[Any, str] = {}
# Attribute names of arrays refused on a differentiated value (x.real, x.imag).
REFUSED_ATTRIBUTES = {
    "real": f"x.real is refused: {COMPLEX}",
    "imag": f"x.imag is refused: {COMPLEX}",
}


def refuse(callables: tuple[Any, ...], message: str) -> None:
    """Refuse each of ``callables`` with ``message`` (what to do instead)."""
    for c in callables:
        REFUSED[c] = message


def refusal(obj: Any) -> str | None:
    """The reason ``obj`` is refused, or None."""
    try:
        return REFUSED.get(obj)
    except TypeError:
        return None


refuse((complex,), f"complex() is refused: {COMPLEX}")
for _name in ("real", "imag", "conj", "conjugate", "angle", "iscomplex", "real_if_close"):
    refuse((getattr(np, _name),), f"np.{_name} is refused: {COMPLEX}")
refuse(
    tuple(
        getattr(np.fft, n)
        for n in (
            "fft",
            "ifft",
            "fft2",
            "ifft2",
            "fftn",
            "ifftn",
            "rfft",
            "irfft",
            "rfft2",
            "irfft2",
            "rfftn",
            "irfftn",
            "hfft",
            "ihfft",
        )
    ),
    f"the FFT functions (np.fft) are refused: their values are complex and {COMPLEX}; "
    "write a real transform as a product with a real matrix (np.cos/np.sin of the "
    "frequencies)",
)
