"""Fresh, deterministic, readable SSA names."""

from __future__ import annotations

import itertools
import re

from ..runtime import HELPERS

# Names of modules that generated code refers to; no value may take them.
MODULE_NAMES = frozenset({"np", "scipy"})
# Builtins that generated code calls by name; no value may take them.
BUILTIN_NAMES = frozenset(
    {
        "range",
        "reversed",
        "len",
        "float",
        "int",
        "abs",
        "min",
        "max",
        "sum",
        "True",
        "False",
        "None",
    }
)

_TEMPORARY = re.compile(r"^[bd]*t\d+(_\d+)?$")


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary the Namer made (``t3``, ``t1_2``), or the
    tangent (``dt3``) or adjoint (``bt3``) of one, rather than a user's variable."""
    return _TEMPORARY.match(name) is not None


class Namer:
    """Hands out names that no other value of a function uses.

    Names stay close to the user's: the first version of ``x`` is ``x``, later
    ones ``x1``, ``x2``... (``t1_1`` after a name that ends in a digit);
    temporaries are ``t1``, ``t2``... ``taken`` names are never handed out;
    ``soft`` names (the user's own variables) are handed out only by
    :meth:`claim`, so temporaries never shadow a name the user wrote. Fresh
    names are deterministic, so a function always prints the same way.
    """

    def __init__(self, taken: set[str] | None = None, soft: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())
        self.soft: set[str] = set(soft or ()) - self.taken
        self._counters: dict[str, itertools.count[int]] = {}
        # Name -> the stem it was made from (user variable, ``bx``...); temporaries
        # have none. The emitter lets values of one family share a Python name.
        self.family: dict[str, str] = {}

    def reserve(self, name: str) -> None:
        self.taken.add(name)
        self.soft.discard(name)

    def claim(self, name: str) -> str:
        """``name`` itself if no value has it yet, else a fresh version of it."""
        if name not in self.taken:
            self.reserve(name)
            self.family[name] = name
            return name
        return self.fresh(name)

    def fresh(self, base: str = "t") -> str:
        if base != "t" and base not in self.taken and base not in self.soft:
            self.reserve(base)
            self.family[base] = base
            return base
        sep = "_" if base[-1].isdigit() else ""
        counter = self._counters.setdefault(base, itertools.count(1))
        while True:
            name = f"{base}{sep}{next(counter)}"
            if name not in self.taken and name not in self.soft:
                self.reserve(name)
                if base != "t":
                    self.family[name] = base
                return name


# Every name generated code uses for something other than a value: modules,
# builtins, and the runtime helpers it calls.
RESERVED = MODULE_NAMES | BUILTIN_NAMES | frozenset(HELPERS)
