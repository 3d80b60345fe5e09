"""Which values may share memory, and how: the view table and relations across control flow.

The lowerer records, for each value that may be a NumPy view of another, a
:class:`ViewOf` edge (``w = x[1]``: ``w`` views ``x`` through ``getitem``).
Writes follow these edges (see :mod:`adgen.frontend.indexing`). This module
says what holds between two values when control flow joins:

* after an ``if``, a name bound to ``x`` on one path and to a fresh array on
  the other *may* be ``x``: the merged values get a ``maybe`` edge, which a
  later write resolves at run time with ``np.may_share_memory``;
* a loop's parameters get, at the start of each iteration, the relations that
  hold at entry, made ``maybe`` when the body may rebind one of the names;
  after the body the lowerer checks that its yields keep them (else it
  refuses), and the loop's results get the join of both.

A relation is ``None`` (no shared memory), a :class:`Relation` (one value is
``prim(other, *args)``, or the other itself when ``prim`` is ``identity``),
or :data:`OPAQUE` (shared in a way adgen does not follow: a later write makes
the other names stale, and reading one is refused with advice).

Example::

    w = x                 # w, x: identity
    if c > 0.0:
        w *= 2.0          # then: w is x or a number  -> identity, maybe
    x *= 0.5              # w' follows x' when x' is an array, chosen at run time
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..ir import Const, Op, Value, Var
from ..primitives import PRIMITIVES
from .values import Pack


@dataclass(frozen=True)
class ViewOf:
    """How a value views another: ``prim(base, *args, **attrs)``."""

    base: str
    prim: str
    args: tuple[Value, ...]
    attrs: tuple[tuple[str, Any], ...]
    # "view": always a view; "view_or_scalar": a view, or a number when it
    # selects one element; "maybe": a view or a copy, decided at run time;
    # "opaque": may share memory in a way that cannot be replayed.
    kind: str


@dataclass(frozen=True)
class Relation:
    """``child`` is ``prim(base, *args, **attrs)`` (kind as in :class:`ViewOf`)."""

    child: str  # "a" or "b": which of the two related values views the other
    prim: str
    args: tuple[Value, ...] = ()
    attrs: tuple[tuple[str, Any], ...] = ()
    kind: str = "view"

    def edge(self, base: str) -> ViewOf:
        return ViewOf(base, self.prim, self.args, self.attrs, self.kind)

    def maybe(self) -> Relation:
        return Relation(self.child, self.prim, self.args, self.attrs, "maybe")


OPAQUE = Relation("a", "", (), (), "opaque")
SAME = Relation("a", "identity")
# A relation between two values: None (no shared memory), or the direct relations
# that hold (OPAQUE alone: shared in a way adgen does not follow).
Rel = tuple[Relation, ...] | None


def _fact(prim: str | None, field: str) -> bool:
    """The table's ``field`` of primitive ``prim`` (False for no primitive)."""
    return prim is not None and bool(getattr(PRIMITIVES[prim], field))


class AliasTable:
    """What lowering knows about values: which view which, what made each, which are
    integers or certainly arrays. Keyed by SSA name; filled as ops are emitted."""

    def __init__(self) -> None:
        self.views: dict[str, list[ViewOf]] = {}
        self.producer: dict[str, str] = {}
        self.known_ints: set[str] = set()
        self.arrays: set[str] = set()  # values known to be arrays, beyond fresh_array results
        self.lists: set[str] = set()  # values holding Python lists (see frontend/lists.py)

    def note_op(self, op: Op) -> None:
        """Record what the indexing logic needs to know about a new op."""
        if len(op.results) != 1:
            return
        name = op.results[0]
        self.producer[name] = op.prim
        if PRIMITIVES[op.prim].list_result:
            self.lists.add(name)
        if PRIMITIVES[op.prim].int_result or (
            op.prim == "getitem"
            and isinstance(op.args[0], Var)
            and self.producer.get(op.args[0].name) == "shape"
        ):
            self.known_ints.add(name)
        elif PRIMITIVES[op.prim].int_closed and all(self.is_int(a) for a in op.args):
            self.known_ints.add(name)
        if not op.args or not isinstance(op.args[0], Var):
            return
        if op.prim in ("getitem", "row"):  # a row of an array a for loop takes is x[i]
            kind = self.getitem_kind(op.args[1:], op.attrs.get("kinds", "v"))
        else:
            kind = PRIMITIVES[op.prim].view
        if kind is not None:
            self.views.setdefault(name, []).append(
                ViewOf(
                    op.args[0].name,
                    op.prim,
                    tuple(op.args[1:]),
                    tuple(sorted(op.attrs.items())),
                    kind,
                )
            )

    def renamed(self, old: str, new: str) -> None:
        """An op's result was renamed from ``old`` to ``new`` (a user's variable name)."""
        for table in (self.views, self.producer):
            if old in table:
                table[new] = table.pop(old)
        for names in (self.known_ints, self.arrays, self.lists):
            if old in names:
                names.discard(old)
                names.add(new)
        for infos in self.views.values():
            for k, info in enumerate(infos):
                if info.base == old:
                    infos[k] = replace(info, base=new)

    def is_int(self, v: Value) -> bool:
        if isinstance(v, Const):
            return isinstance(v.value, int) and not isinstance(v.value, bool)
        return v.name in self.known_ints

    def getitem_kind(self, args: list[Value], kinds: str) -> str | None:
        advanced = unknown = ints = array = False
        k = 0
        for kind in kinds:
            if kind == "s":
                k += 3
                continue
            a = args[k]
            k += 1
            if isinstance(a, Const):
                if a.value is None or a.value is Ellipsis:
                    array = True
                elif self.is_int(a):
                    ints = True
                else:
                    advanced = True
            elif a.name in self.known_ints:
                ints = True
            elif _fact(self.producer.get(a.name), "index_array"):
                advanced = True
            else:
                unknown = True
        if advanced:
            return None
        if unknown:
            return "maybe"
        return "view_or_scalar" if ints and not array else "view"

    def certain_array(self, name: str) -> bool:
        if _fact(self.producer.get(name), "fresh_array") or name in self.arrays:
            return True
        return any(info.kind == "view" for info in self.views.get(name, ()))

    def note_alias(self, result: str, sources: list[str]) -> None:
        """``result`` may share memory with ``sources`` in a way adgen cannot replay
        (a value merged from branches): a later write makes the ones left behind stale."""
        for src in sources:
            self.views.setdefault(result, []).append(ViewOf(src, "", (), (), "opaque"))

    def alias_group(self, name: str) -> set[str]:
        """Every value that may share memory with ``name`` through views, itself included."""
        out = {name}
        grew = True
        while grew:
            grew = False
            for child, infos in self.views.items():
                for info in infos:
                    if (child in out) != (info.base in out):
                        out.update((child, info.base))
                        grew = True
        return out

    def non_differentiable(self, item: Any) -> bool:
        if isinstance(item, Const):
            return True
        if isinstance(item, Var):
            prim = self.producer.get(item.name)
            return prim is not None and not PRIMITIVES[prim].differentiable
        if isinstance(item, Pack):
            return all(self.non_differentiable(i) for i in item.items)
        return False


class AliasGraph:
    """A snapshot of the view table, for relation queries."""

    def __init__(self, views: dict[str, list[ViewOf]]) -> None:
        self.views = views
        self.adjacent: dict[str, list[tuple[str, ViewOf]]] = {}
        for child, infos in views.items():
            for info in infos:
                self.adjacent.setdefault(child, []).append((info.base, info))
                self.adjacent.setdefault(info.base, []).append((child, info))

    def component(self, name: str) -> set[str]:
        """Every value that may share memory with ``name``, itself included."""
        out, todo = {name}, [name]
        while todo:
            for other, _ in self.adjacent.get(todo.pop(), ()):
                if other not in out:
                    out.add(other)
                    todo.append(other)
        return out

    def relate(self, a: Value, b: Value) -> Rel:
        """How ``a`` and ``b`` share memory: every direct edge between them (a
        transpose and its base view each other), an identity path, or OPAQUE."""
        if not isinstance(a, Var) or not isinstance(b, Var):
            return None
        if a.name == b.name:
            return (SAME,)
        found: list[Relation] = []
        for child, base, tag in ((a.name, b.name, "a"), (b.name, a.name, "b")):
            for info in self.views.get(child, ()):
                if info.base == base:
                    if info.kind == "opaque":
                        return (OPAQUE,)
                    child_tag = "a" if info.prim == "identity" else tag
                    found.append(Relation(child_tag, info.prim, info.args, info.attrs, info.kind))
        if found:
            return tuple(dict.fromkeys(found))
        certain = self._identity_path(a.name, b.name)
        if certain is not None:
            return (SAME if certain else SAME.maybe(),)
        return (OPAQUE,) if b.name in self.component(a.name) else None

    def _identity_path(self, a: str, b: str) -> bool | None:
        """Whether only identity edges join ``a`` to ``b``: None if not, else whether all
        of them are certain."""
        best: dict[str, bool] = {a: True}
        todo = [a]
        while todo:
            here = todo.pop()
            for other, info in self.adjacent.get(here, ()):
                if info.prim != "identity":
                    continue
                sure = best[here] and info.kind == "view"
                if other not in best or (sure and not best[other]):
                    best[other] = sure
                    todo.append(other)
        return best.get(b)


def _join_one(r: Relation, s: Relation) -> Relation | None:
    if r == s:
        return r
    if r.kind == "opaque" or s.kind == "opaque":
        return None
    same_shape = (r.prim, r.args, r.attrs) == (s.prim, s.args, s.attrs)
    if same_shape and (r.child == s.child or r.prim == "identity"):
        return r.maybe()
    return None


def join(r: Rel, s: Rel) -> Rel:
    """A relation that holds whenever ``r`` or ``s`` does."""
    if r is None and s is None:
        return None
    if r is None or s is None:
        known = r if s is None else s
        if OPAQUE in known:  # type: ignore[operator]
            return (OPAQUE,)
        return tuple(dict.fromkeys(k.maybe() for k in known))  # type: ignore[union-attr]
    common = [j for x in r for y in s if (j := _join_one(x, y)) is not None]
    return tuple(dict.fromkeys(common)) if common else (OPAQUE,)


def implies(r: Rel, assumed: Rel) -> bool:
    """Whether ``r`` holding means ``assumed`` holds too."""
    if assumed is None:
        return r is None
    if OPAQUE in assumed:
        return True
    if r is None:
        return all(x.kind == "maybe" for x in assumed)
    return all(any(_join_one(y, x) == x for y in r) for x in assumed)


def weaken(r: Rel) -> Rel:
    """What still holds after either value may have been rebound to an unrelated one."""
    return join(r, None)


def invariant(r: Rel, defined_inside: Iterable[str]) -> Rel:
    """``r`` less what names a value defined inside a block (not visible outside);
    OPAQUE if nothing is left."""
    if r is None:
        return r
    inside = set(defined_inside)
    kept = tuple(x for x in r if not any(isinstance(v, Var) and v.name in inside for v in x.args))
    return kept or (OPAQUE,)


def record(views: dict[str, list[ViewOf]], a: str, b: str, r: Rel) -> None:
    """Add the edges that state ``r`` between the values named ``a`` and ``b``."""
    if r is None or a == b:
        return
    for x in r:
        child, base = (a, b) if x.child == "a" else (b, a)
        views.setdefault(child, []).append(x.edge(base))
