"""Python names for SSA values, so generated code reads like code people write.

SSA gives every version of a variable its own name (``s``, ``s1``, ``s2``...).
In Python the versions of one variable can share a name when their lifetimes
do not overlap: ``s = s + x`` instead of ``s2 = s1 + x``, and a loop-carried
value keeps one name through the loop instead of being copied in and out.

Values of one *family* (the versions of a user variable, or of its adjoint
``bs`` or tangent ``ds``; see :class:`adgen.ir.Namer`) may share the family's
name. A value takes it if every value already given that name is dead where
the new one is defined; otherwise it keeps its SSA name. Liveness follows the
program order of the structured IR: a use inside a loop of a value defined
outside it keeps the value alive to the loop's end, and the two branches of an
``if`` do not see each other's uses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..ir import Block, Function, If, Loop, Op, Var

Path = tuple[tuple[int, int], ...]


@dataclass
class _Use:
    pos: int
    path: Path


@dataclass
class _Value:
    name: str
    pos: int
    path: Path
    uses: list[_Use] = field(default_factory=list)


def _compatible(a: Path, b: Path) -> bool:
    """Whether code at path ``b`` can run after code at path ``a`` (not a sibling branch)."""
    branches = dict(a)
    return all(branches.get(op_id, k) == k for op_id, k in b)


class Liveness:
    """Positions of definitions and uses in program order (see the module docstring)."""

    def __init__(self, fn: Function) -> None:
        self.values: dict[str, _Value] = {}
        self.order: list[str] = []
        self.pos = 0
        # (op id, start, path) of the loops enclosing the current position.
        self.loops: list[tuple[int, int, Path]] = []
        self.loop_end: dict[int, int] = {}
        # id(op) -> (position, path) of every op, for questions asked at an op.
        self.at: dict[int, tuple[int, Path]] = {}
        for p in fn.params:
            self.define(p, -1, ())
        self.block(fn.body, ())
        for v in self.values.values():
            v.uses = [self._extend(v, u) for u in v.uses]

    def define(self, name: str, pos: int, path: Path) -> None:
        if name not in self.values:
            self.values[name] = _Value(name, pos, path)
            self.order.append(name)

    def use(self, name: str, pos: int, path: Path) -> None:
        v = self.values.get(name)
        if v is not None:
            v.uses.append(_Use(pos, path))
            # Remember which loops enclose this use, for extension later.
            self._enclosing.setdefault((name, pos), list(self.loops))

    _enclosing: dict[tuple[str, int], list[tuple[int, int, Path]]]

    def block(self, block: Block, path: Path) -> None:
        if not hasattr(self, "_enclosing"):
            self._enclosing = {}
        for op in block.ops:
            self.op(op, path)
        yield_pos = self.pos
        self.pos += 1
        for v in block.results:
            if isinstance(v, Var):
                self.use(v.name, yield_pos, path)

    def op(self, op: Op, path: Path) -> None:
        start = self.pos
        self.pos += 1
        self.at[id(op)] = (start, path)
        for a in op.args:
            if isinstance(a, Var):
                self.use(a.name, start, path)
        if not op.blocks:
            for r in op.results:
                self.define(r, start, path)
            return
        is_loop = isinstance(op, Loop)
        if is_loop:
            self.loops.append((id(op), start, path))
        for k, b in enumerate(op.blocks):
            inner = path + ((id(op), k),) if isinstance(op, If) else path
            for p in b.params:
                self.define(p, start, inner)
            self.block(b, inner)
        if is_loop:
            self.loops.pop()
        end = self.pos
        self.pos += 1
        self.loop_end[id(op)] = end
        for r in op.results:
            self.define(r, end, path)

    def _extend(self, v: _Value, u: _Use) -> _Use:
        """A use inside loops the value is defined outside of lasts to the outermost one's end."""
        for op_id, start, path in self._enclosing.get((v.name, u.pos), []):
            if v.pos < start:
                return _Use(self.loop_end[op_id], path)
        return u

    def live_after(self, name: str, pos: int, path: Path) -> bool:
        v = self.values[name]
        return any(u.pos > pos and _compatible(path, u.path) for u in v.uses)


def python_names(fn: Function, reserved: set[str], live: Liveness | None = None) -> dict[str, str]:
    """A Python name for every SSA name of ``fn`` (see the module docstring)."""
    live = live or Liveness(fn)
    holders: dict[str, list[str]] = defaultdict(list)
    out: dict[str, str] = {}
    for p in fn.params:
        out[p] = p
        holders[p].append(p)
    for name in live.order:
        if name in out:
            continue
        v = live.values[name]
        family = fn.families.get(name)
        candidates = [family, name] if family and family != name else [name]
        chosen = None
        for cand in candidates:
            if cand in reserved:
                continue
            # Not shared by two values defined at once (the carried values of one loop,
            # the results of one op): one name cannot hold both.
            if all(
                not live.live_after(h, v.pos, v.path) and live.values[h].pos != v.pos
                for h in holders[cand]
            ):
                chosen = cand
                break
        if chosen is None:
            k = 2
            while f"{name}_{k}" in holders or f"{name}_{k}" in reserved:
                k += 1
            chosen = f"{name}_{k}"
        out[name] = chosen
        holders[chosen].append(name)
    return out
