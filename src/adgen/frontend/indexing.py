"""Lowering of subscripts, indexed writes and in-place updates, and how aliasing is kept.

Reads: ``x[index]`` becomes one ``getitem`` op whose operands spell the index
(see :mod:`adgen.primitives.indexing`). A subscript of a tuple, list or dict
built in the function (a :class:`~adgen.frontend.values.Pack`) with a
constant index is resolved while lowering.

Writes are functional. ``y[index] = v`` becomes ``y1 = setitem(y, v, *index)``
and every name that denoted the old array is rebound to ``y1``: after
``z = y; y[0] = 1`` both ``y`` and ``z`` are ``y1``, as NumPy's reference
semantics require. ``y[index] += v`` is ``y[index] = y[index] + v``, which is
also what NumPy computes when an integer array repeats a position. So the IR
stays in SSA form and the transforms need no notion of memory.

NumPy views are tracked: a result of ``getitem`` with a basic index, of
``.T`` or of another primitive whose table entry has a ``view`` remembers the
array it views.

* A write to an array is replayed on the views of it: the names of a view
  are rebound to the same indexing (transpose, reshape...) of the new array.
* A write into a view is written back into the array it views (``setitem``
  for an index, the inverse transpose, a reshape), and on up through views
  of views, then replayed on the other views of that array.
* When NumPy decides only at run time whether a result is a view (``x[i]``
  is a row of a 2-D ``x`` but a number for a 1-D one; ``reshape`` copies a
  non-contiguous array; an index computed at run time may be an integer or an
  array), the new value is chosen at run time by an ``alias_select`` op,
  emitted as ``new if np.may_share_memory(view, base) else old``, so the
  generated code follows NumPy exactly in both cases.

``x += v`` on a name changes an array in place but rebinds a number. When
the value is known to be an array (a view, the result of a write, ``copy``...)
it is handled as a write; otherwise the other names sharing the value get an
``alias_select`` between the updated and the old value, and keep it as a
possible alias of the updated one.

A relation the frontend cannot replay can be recorded with
:meth:`IndexingMixin.note_alias` (for example a value merged from branches
that are views of different arrays): a later write then makes the names
left behind :class:`~adgen.frontend.values.Stale`, and reading one is an
:class:`~adgen.errors.UnsupportedSyntaxError` that says to take a copy. A
write into the result of a view-making primitive with no write-back rule
(``swapaxes``, ``diagonal``...) is refused the same way, at the write.

Writes into arrays defined outside the function (module globals, closure
cells) are refused: the derivative code does not change them, so the
function would behave differently. Writes into parameters are allowed, but
the generated code never changes its arguments (the functional form copies);
arguments that alias each other at the call are not detected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import gast
import numpy as np

from ..ir import Const, Op, Value, Var
from ..primitives import PRIMITIVES
from .values import Pack, SliceValue, Stale

_TEMP = re.compile(r"^t\d+(_\d+)?$")


def _fact(prim: str | None, field: str) -> bool:
    """The table's ``field`` of primitive ``prim`` (False for no primitive)."""
    return prim is not None and bool(getattr(PRIMITIVES[prim], field))


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


class IndexingMixin:
    """Subscripts and writes for :class:`~adgen.frontend.lower.Lowerer`."""

    def init_indexing(self) -> None:
        self.views: dict[str, list[ViewOf]] = {}
        self.producer: dict[str, str] = {}
        self.known_ints: set[str] = set()
        self.arrays: set[str] = set()  # values known to be arrays, beyond fresh_array results

    # ------------------------------------------------------ op bookkeeping
    def note_op(self, op: Op) -> None:
        """Record what the indexing logic needs to know about a new op."""
        if len(op.results) != 1:
            return
        name = op.results[0]
        self.producer[name] = op.prim
        if PRIMITIVES[op.prim].int_result or (op.prim == "getitem" and isinstance(op.args[0], Var)
                                and self.producer.get(op.args[0].name) == "shape"):
            self.known_ints.add(name)
        elif PRIMITIVES[op.prim].int_closed and all(self._is_int(a) for a in op.args):
            self.known_ints.add(name)
        if not op.args or not isinstance(op.args[0], Var):
            return
        if op.prim == "getitem":
            kind = self._getitem_kind(op.args[1:], op.attrs.get("kinds", "v"))
        else:
            kind = PRIMITIVES[op.prim].view
        if kind is not None:
            self.views.setdefault(name, []).append(ViewOf(
                op.args[0].name, op.prim, tuple(op.args[1:]), tuple(sorted(op.attrs.items())),
                kind))

    def renamed(self, old: str, new: str) -> None:
        """An op's result was renamed from ``old`` to ``new`` (a user's variable name)."""
        for table in (self.views, self.producer):
            if old in table:
                table[new] = table.pop(old)
        for names in (self.known_ints, self.arrays):
            if old in names:
                names.discard(old)
                names.add(new)
        for infos in self.views.values():
            for k, info in enumerate(infos):
                if info.base == old:
                    infos[k] = replace(info, base=new)

    def _is_int(self, v: Value) -> bool:
        if isinstance(v, Const):
            return isinstance(v.value, int) and not isinstance(v.value, bool)
        return v.name in self.known_ints

    def _getitem_kind(self, args: list[Value], kinds: str) -> str | None:
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
                elif self._is_int(a):
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

    # ------------------------------------------------------------- reads
    def expr_Subscript(self, node: gast.Subscript) -> Any:
        base = self.live(self.expr(node.value), node.value)
        # np.r_ and np.c_ are free values (objects NumPy defines), not functions.
        denoted = self.freevars.get(base.name) if isinstance(base, Var) else None
        if denoted is np.r_ or denoted is np.c_:
            return self.index_join(node, denoted is np.c_)
        if isinstance(base, Pack):
            return self.pack_subscript(base, node)
        if not isinstance(base, (Var, Const)):
            raise self.error(node, "indexing this object is not supported inside a "
                             "differentiated function; pass the value as an argument")
        if isinstance(base, Const) and isinstance(base.value, (tuple, str)):
            key = self.static_index(node.slice)
            if key is not _NOT_STATIC:
                try:
                    return Const(base.value[key])
                except (IndexError, TypeError):
                    raise self.error(node, f"{base.value!r}[{key!r}] fails") from None
        args, kinds = self.index(node.slice)
        return self.emit("getitem", [base, *args], {"kinds": kinds})

    def index_join(self, node: gast.Subscript, columns: bool) -> Any:
        """``np.r_[a, b, ...]`` (``np.c_``) as a concatenation of the items.

        ``np.r_`` joins the items, each at least 1-D, along axis 0; ``np.c_``
        joins them along the last axis, 0-D and 1-D items as columns.
        """
        elts = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        name = "np.c_" if columns else "np.r_"
        parts = []
        for e in elts:
            if isinstance(e, gast.Slice) or (isinstance(e, gast.Constant)
                                             and isinstance(e.value, str)):
                raise self.error(node, f"{name} with slices or string directives is not "
                                 "supported; use np.arange/np.linspace and np.concatenate")
            v = self.value(e)
            parts.append(self.emit("column_stack" if columns else "atleast_1d", [v]))
        return self.emit("concatenate", parts, {"axis": -1 if columns else 0})

    def index(self, node: gast.AST) -> tuple[list[Value], str]:
        """The operands and ``kinds`` of an index expression."""
        if isinstance(node, gast.Tuple):
            parts: list[Any] = [self.index_part(e) for e in node.elts]
        else:
            one = self.index_part(node)
            if isinstance(one, Const) and isinstance(one.value, tuple):
                parts = [Const(v) for v in one.value]  # x[t] with t a tuple is x[*t]
            elif isinstance(one, Pack) and one.kind == "tuple":
                parts = [self.live(p, node) for p in one.items]
            else:
                parts = [one]
        args: list[Value] = []
        kinds = ""
        for p in parts:
            if isinstance(p, SliceValue):
                args.extend([p.start, p.stop, p.step])
                kinds += "s"
            else:
                args.append(self.as_value(p, node))
                kinds += "v"
        return args, kinds

    def index_part(self, node: gast.AST) -> Any:
        if isinstance(node, gast.Slice):
            return SliceValue(*(Const(None) if n is None else self.value(n)
                                for n in (node.lower, node.upper, node.step)))
        return self.live(self.expr(node), node)

    def pack_subscript(self, pack: Pack, node: gast.Subscript) -> Any:
        """A constant subscript of a tuple, list or dict known while lowering."""
        key = self.static_index(node.slice)
        if key is _NOT_STATIC:
            if all(self._non_differentiable(i) for i in pack.items) and pack.kind != "dict":
                args, kinds = self.index(node.slice)
                return self.emit("getitem", [self.as_value(pack, node), *args],
                                 {"kinds": kinds})
            raise self.error(node, f"indexing a {pack.kind} of arrays needs a constant index "
                             "written in the source; to pick an array by a computed index, "
                             "stack them into one array (np.stack) first")
        if isinstance(key, slice) and pack.kind != "dict":
            return Pack(pack.kind, tuple(pack.items[key]))
        try:
            return pack.lookup(key)
        except (KeyError, IndexError, TypeError):
            raise self.error(node, f"this {pack.kind} has no item {key!r}") from None

    def static_index(self, node: gast.AST) -> Any:
        """The index as a Python constant (ints, strings, slices of ints), or _NOT_STATIC."""
        if isinstance(node, gast.Slice):
            parts = [None if n is None else self.static_index(n)
                     for n in (node.lower, node.upper, node.step)]
            if any(p is _NOT_STATIC for p in parts):
                return _NOT_STATIC
            return slice(*parts)
        out = self.expr(node)
        if isinstance(out, Const) and not isinstance(out.value, tuple):
            return out.value
        return _NOT_STATIC

    def _non_differentiable(self, item: Any) -> bool:
        if isinstance(item, Const):
            return True
        if isinstance(item, Var):
            prim = self.producer.get(item.name)
            return prim is not None and not PRIMITIVES[prim].differentiable
        if isinstance(item, Pack):
            return all(self._non_differentiable(i) for i in item.items)
        return False

    # ------------------------------------------------------------ writes
    def assign_subscript(self, target: gast.Subscript, value: Any) -> None:
        """``target = value`` with ``target`` a subscript: ``y[index] = v``."""
        base = self.live(self.expr(target.value), target.value)
        if isinstance(base, Pack):
            self.pack_store(base, target, value)
            return
        args, kinds = self.index(target.slice)
        self.write(base, args, kinds, self.as_value(value, target), target)

    def aug_assign_subscript(self, stmt: gast.AugAssign, prim: str) -> None:
        """``y[index] op= v``: ``y[index] = y[index] op v``."""
        target = stmt.target
        base = self.live(self.expr(target.value), target.value)
        if isinstance(base, Pack):
            current = self.live(self.pack_subscript(base, target), target)
            new = self.emit(prim, [self.as_value(current, target), self.value(stmt.value)])
            self.inplace(current, new, stmt)
            self.pack_store(base, target, new)
            return
        args, kinds = self.index(target.slice)
        if not isinstance(base, Var):
            raise self.error(target, "only arrays can be changed by an indexed assignment")
        current = self.emit("getitem", [base, *args], {"kinds": kinds})
        new = self.emit(prim, [current, self.value(stmt.value)])
        self.write(base, args, kinds, new, target)

    def aug_assign_name(self, stmt: gast.AugAssign, prim: str) -> None:
        """``x op= v``: in place if ``x`` is an array, a rebinding if it is a number."""
        name = stmt.target.id
        current = self.live(self.expr(gast.Name(name, gast.Load(), None, None)), stmt.target)
        if isinstance(current, Pack):
            other = self.live(self.expr(stmt.value), stmt.value)
            if prim != "add" or not isinstance(other, Pack) or other.kind != current.kind \
                    or current.kind == "dict":
                raise self.error(stmt, f"this augmented assignment to a {current.kind} is "
                                 "not supported")
            new_pack = Pack(current.kind, current.items + other.items)
            if current.kind == "list":  # lists are extended in place
                self.rebind({}, {id(current): new_pack})
            self.env[name] = new_pack
            return
        new = self.emit(prim, [self.as_value(current, stmt.target), self.value(stmt.value)],
                        base=name)
        self.inplace(current, new, stmt)
        self.env[name] = new

    def inplace(self, current: Any, new: Var, node: gast.AST) -> None:
        """Other names sharing ``current`` follow an augmented assignment that made ``new``.

        If ``current`` is an array the update happens in place and they see
        it; if it is a number they keep the old value. Unless the frontend
        knows it is an array, the choice is made at run time.
        """
        if not isinstance(current, Var):
            return
        self.check_writable(current.name, node)
        if self._certain_array(current.name):
            self.arrays.add(new.name)
            self.replace_value(current.name, new, node)
            return
        shared = self.emit("alias_select", [current, current, new, current],
                           base=self.version_base(None, current.name))
        changes: dict[str, Any] = {}
        self._replace(current.name, shared, changes, None, node, sure=False)
        self.rebind(changes, {})
        # The other names are the updated object itself if it is an array.
        self.views.setdefault(shared.name, []).append(
            ViewOf(new.name, "identity", (), (), "maybe"))

    def _certain_array(self, name: str) -> bool:
        if _fact(self.producer.get(name), "fresh_array") or name in self.arrays:
            return True
        return any(info.kind == "view" for info in self.views.get(name, ()))

    def write(self, base: Any, args: list[Value], kinds: str, v: Value,
              node: gast.AST) -> None:
        """``base[index] = v``: a new version of ``base`` replaces it everywhere."""
        if not isinstance(base, Var):
            raise self.error(node, "only arrays can be changed by an indexed assignment; "
                             "this value is a constant")
        self.check_writable(base.name, node)
        new = self.emit("setitem", [base, v, *args], {"kinds": kinds},
                        base=self.version_base(node, base.name))
        self.replace_value(base.name, new, node)

    def version_base(self, node: gast.AST | None, ssa: str) -> str:
        """The stem to name a new version of a written array by: the user's name."""
        while isinstance(node, gast.Subscript):
            node = node.value
        if isinstance(node, gast.Name):
            return node.id
        stem = ssa.rstrip("0123456789_")
        return stem if stem and not _TEMP.match(ssa) else "t"

    def check_writable(self, name: str, node: gast.AST) -> None:
        if name in self.freevars:
            raise self.error(node, f"this changes {name!r}, an array defined outside the "
                             "function; adgen's derivative code does not change outside "
                             f"state, so work on a copy: `{name} = {name}.copy()` first, "
                             "or pass the array as an argument")

    def replace_value(self, old: str, new: Var, node: gast.AST) -> None:
        """Rebind every name that denotes ``old`` (and views of it) after a write."""
        changes: dict[str, Any] = {}
        self._replace(old, new, changes, None, node, sure=True)
        self.rebind(changes, {})

    def _replace(self, old: str, new: Var, changes: dict[str, Any], came_from: str | None,
                 node: gast.AST, sure: bool) -> None:
        """``old`` became ``new``: write back into what it views, replay what views it.

        ``sure``: the change certainly happened in place (an indexed write);
        else it did only if ``old`` is an array (an augmented assignment).
        """
        changes[old] = new
        for info in list(self.views.get(old, [])):
            if info.base in changes:
                continue
            if info.kind == "opaque":
                self._stale_group(info.base, changes, node)
                continue
            self.check_writable(info.base, node)
            base_new = self._write_back(info, new, node)
            if not (sure and info.kind in ("view", "view_or_scalar")):
                # A view or a copy (or a number): NumPy decides at run time.
                base_new = self.emit("alias_select", [Var(old), Var(info.base), base_new,
                                                      Var(info.base)],
                                     base=self.version_base(None, info.base))
            self.views.setdefault(new.name, []).append(replace(info, base=base_new.name))
            self._replace(info.base, base_new, changes, old, node, sure=True)
        self._replay(old, new, changes, came_from, node)

    def _write_back(self, info: ViewOf, new: Var, node: gast.AST) -> Var:
        """The new value of ``info.base`` after its view became ``new``."""
        attrs = dict(info.attrs)
        stem = self.version_base(None, info.base)
        if info.prim == "identity":
            return new
        if info.prim == "getitem":
            return self.emit("setitem", [Var(info.base), new, *info.args], attrs, base=stem)
        if info.prim == "transpose":
            axes = attrs.get("axes")
            if axes is not None:
                attrs["axes"] = tuple(int(i) for i in np.argsort([a % len(axes) for a in axes]))
            return self.emit("transpose", [new], attrs, base=stem)
        if PRIMITIVES[info.prim].same_order:
            return self.emit("reshape_like", [new, Var(info.base)], base=stem)
        raise self.error(node, f"this writes into the result of {info.prim}, which may be a "
                         "view of another array; adgen cannot write through it: take a copy "
                         "(.copy()) of that result before changing it")

    def _replay(self, old: str, new: Var, changes: dict[str, Any], skip: str | None,
                node: gast.AST) -> None:
        """Views of ``old`` that are still in use follow it to ``new``."""
        bound = self.bound_names()
        kids: dict[str, list[str]] = {}
        for child, infos in self.views.items():
            for info in infos:
                kids.setdefault(info.base, []).append(child)
        for child in kids.get(old, []):
            for info in list(self.views[child]):
                if info.base != old or child == skip or child in changes:
                    continue
                if not self._in_use(child, bound, kids, set()):
                    continue
                if info.kind == "opaque":
                    self._stale_group(child, changes, node)
                    continue
                replayed = new if info.prim == "identity" else self.emit(
                    info.prim, [new, *info.args], dict(info.attrs),
                    base=self.version_base(None, child))
                child_new = replayed
                if info.kind != "view":
                    child_new = self.emit("alias_select", [Var(child), Var(old), replayed,
                                                           Var(child)],
                                          base=self.version_base(None, child))
                    self.views.setdefault(child_new.name, []).append(
                        replace(info, base=new.name))
                changes[child] = child_new
                self._replay(child, child_new, changes, None, node)

    def _in_use(self, name: str, bound: set[str], kids: dict[str, list[str]],
                seen: set[str]) -> bool:
        """Whether a variable denotes ``name`` or a value that views it."""
        if name in bound:
            return True
        seen.add(name)
        return any(self._in_use(child, bound, kids, seen) for child in kids.get(name, ())
                   if child not in seen)

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

    def _stale_group(self, name: str, changes: dict[str, Any], node: gast.AST) -> None:
        for other in self.alias_group(name):
            self.check_writable(other, node)
            changes.setdefault(other, self._stale_after_write(node))

    def _stale_after_write(self, node: gast.AST) -> Stale:
        text = self.loc.text if self.loc else ""
        lineno = self.loc.lineno if self.loc else getattr(node, "lineno", 0)
        return Stale(
            f"{{name!r}} may share memory with an array that line {lineno} changes in place "
            f"(`{text}`), in a way adgen cannot follow; take a copy where it is created "
            "(.copy()), or compute it again after the write")

    def pack_store(self, pack: Pack, target: gast.Subscript, value: Any) -> None:
        """``l[k] = v`` / ``d[key] = v`` on a list or dict known while lowering."""
        if pack.kind == "tuple":
            raise self.error(target, "tuples cannot be changed; build a new tuple instead")
        key = self.static_index(target.slice)
        if key is _NOT_STATIC or isinstance(key, slice):
            raise self.error(target, f"assigning into a {pack.kind} needs a constant index "
                             "or key written in the source")
        items = list(pack.items)
        keys = list(pack.keys)
        if pack.kind == "dict":
            for k, existing in enumerate(keys):
                if type(existing) is type(key) and existing == key:
                    items[k] = value
                    break
            else:
                keys.append(key)
                items.append(value)
        else:
            try:
                items[key] = value
            except (IndexError, TypeError):
                raise self.error(target, f"this list has no item {key!r}") from None
        self.rebind({}, {id(pack): Pack(pack.kind, tuple(items), tuple(keys))})

    # --------------------------------------------------------- rebinding
    def rebind(self, changes: dict[str, Any], packs: dict[int, Pack]) -> None:
        """Replace SSA values (by name) and packs (by identity) in every binding."""
        if not changes and not packs:
            return
        memo: dict[int, Any] = {}

        def subst(value: Any) -> Any:
            if isinstance(value, Var):
                return changes.get(value.name, value)
            if isinstance(value, Pack):
                key = id(value)
                if key not in memo:
                    if key in packs:
                        value = packs[key]
                    items = tuple(subst(i) for i in value.items)
                    same = all(a is b for a, b in zip(items, value.items, strict=True))
                    memo[key] = value if same else value.replace(items)
                return memo[key]
            return value

        for name, value in list(self.env.items()):
            self.env[name] = subst(value)

    def bound_names(self) -> set[str]:
        """SSA names some variable denotes, directly or inside a pack."""
        out: set[str] = set()

        def visit(value: Any) -> None:
            if isinstance(value, Var):
                out.add(value.name)
            elif isinstance(value, Pack):
                for item in value.items:
                    visit(item)

        for value in self.env.values():
            visit(value)
        return out

    # ---------------------------------------------------------- checking
    def live(self, value: Any, node: gast.AST) -> Any:
        """``value``, unless it is stale (then raise, naming the variable)."""
        if isinstance(value, Stale):
            name = node.id if isinstance(node, gast.Name) else "this value"
            raise self.error(node, value.message.format(name=name))
        return value

    def as_value(self, value: Any, node: gast.AST) -> Value:
        """A lowered expression as an IR value (packs become make_tuple/make_list)."""
        value = self.live(value, node)
        if isinstance(value, (Var, Const)):
            return value
        if isinstance(value, Pack):
            if value.kind == "dict":
                raise self.error(node, "a dict can only be used through constant keys here")
            items = [self.as_value(i, node) for i in value.items]
            if value.kind == "tuple" and all(isinstance(i, Const) for i in items):
                return Const(tuple(i.value for i in items))  # type: ignore[union-attr]
            if not all(self._non_differentiable(i) for i in items):
                # NumPy turns a sequence of numbers or arrays it is given into an array.
                return self.emit("array", items)
            return self.emit("make_tuple" if value.kind == "tuple" else "make_list", items)
        if isinstance(value, SliceValue):
            raise self.error(node, "a slice object can only be used as an index")
        return self.value_of_other(value, node)


class _NotStatic:
    def __repr__(self) -> str:
        return "<not static>"


_NOT_STATIC = _NotStatic()
