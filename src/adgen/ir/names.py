"""Fresh, deterministic, readable SSA names."""

from __future__ import annotations

import itertools


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
