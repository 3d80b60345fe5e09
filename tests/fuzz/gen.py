"""A seeded generator of random differentiable Python/NumPy programs.

A :class:`Program` is a module's source: helper functions and ``f`` of 1-3 float or
float-array inputs, plus the inputs. The generator tracks each variable's shape so every
program runs; each construct sits behind a :class:`Features` flag (all on by default;
a campaign can turn any of them off).
Branch conditions compare a smooth scalar with a threshold; the oracle skips the
finite-difference check at points where differences at two step sizes disagree (a
kink), so thresholds need not be tuned.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, fields

import numpy as np

SHAPES: tuple[tuple[int, ...], ...] = ((), (3,), (2, 3), (3, 3), (2,))


@dataclass(frozen=True)
class Features:
    """Which constructs programs may contain."""

    loops: bool = True
    while_loops: bool = True
    branches: bool = True
    jumps: bool = True  # break / continue / early return
    helpers: bool = True  # calls to module-level helpers
    indexing: bool = True  # integer, slice, fancy and boolean reads
    writes: bool = True  # indexed writes into fresh arrays (np.zeros, .copy())
    augmented: bool = True  # x += ... on arrays the function owns
    views: bool = True  # views (x[1], x.T, x[:, 0]) written through; aliases
    helper_mutation: bool = True  # a helper updating its array argument in place
    lists: bool = True  # lists built with append in loops
    where: bool = True  # np.where / maximum (kinks)

    @classmethod
    def all(cls) -> Features:
        return cls(**{f.name: True for f in fields(cls)})


@dataclass
class Program:
    """A generated module: ``source`` defines ``f``; ``args`` are its inputs."""

    source: str
    args: list[object]
    seed: int = 0
    features: Features = field(default_factory=Features)


UNARY = (
    "np.sin({})",
    "np.cos({})",
    "np.tanh({})",
    "np.exp(np.sin({}))",
    "np.sqrt(1.0 + {0} * {0})",
    "np.log(1.0 + {0} * {0})",
    "({}) ** 2",
    "np.arctan({})",
    "(1.0 / (1.0 + {0} * {0}))",
    "(-({}))",
)
BINARY = ("({} + {})", "({} - {})", "({} * {})", "({} / (1.5 + np.sin({})))")


_MAY_ALIAS = re.compile(r"^\w+(\[.*\]|\.T|\.reshape.*)?$")


def _const(rng: random.Random) -> str:
    return repr(round(rng.uniform(-1.5, 1.5), 3))


class _Gen:
    def __init__(self, rng: random.Random, feats: Features) -> None:
        self.rng = rng
        self.f = feats
        self.count = 0
        self.helpers: list[str] = []
        self.lines: list[str] = []
        self.loop_depth = 0
        self.counters: set[str] = set()
        self.out_shape: tuple[int, ...] = ()

    def fresh(self, prefix: str = "v") -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # ---------------------------------------------------------------- expressions
    def expr(self, env: dict[str, tuple[int, ...]], shape: tuple[int, ...], depth: int = 2) -> str:
        """An expression of exactly ``shape`` built from variables of ``env``."""
        r = self.rng
        if depth <= 0 or r.random() < 0.3:
            return self.leaf(env, shape)
        k = r.random()
        if k < 0.35:
            return r.choice(UNARY).format(self.expr(env, shape, depth - 1))
        if k < 0.7:
            a = self.expr(env, shape, depth - 1)
            b = self.expr(env, shape if r.random() < 0.6 else (), depth - 1)
            if r.random() < 0.5:
                a, b = b, a
            return r.choice(BINARY).format(a, b)
        if k < 0.8 and self.f.where:
            c = self.expr(env, shape, depth - 1)
            other = self.expr(env, shape if r.random() < 0.5 else (), depth - 1)
            if r.random() < 0.5:
                return (
                    f"np.where({c} > {_const(r)}, {c}, {other})"
                    if shape
                    else f"np.maximum({c}, {other})"
                )
            return f"np.maximum({c}, {other})" if shape else f"np.minimum({c}, {other})"
        if k < 0.9:
            return self.reduce_or_matmul(env, shape, depth)
        return self.leaf(env, shape)

    def reduce_or_matmul(
        self, env: dict[str, tuple[int, ...]], shape: tuple[int, ...], depth: int
    ) -> str:
        r = self.rng
        if shape == ():
            src = r.choice([s for s in SHAPES if s])
            inner = self.expr(env, src, depth - 1)
            if len(src) == 1 and r.random() < 0.3:
                return f"({inner} @ {self.expr(env, src, depth - 1)})"
            return r.choice(
                ("np.sum({})", "np.mean({})", "np.prod(np.tanh({}) + 1.5)", "np.max({})")
            ).format(inner)
        if len(shape) == 1:
            n = shape[0]
            opts = [
                f"np.sum({{}}, axis=0)|{(2, n)}",
                f"np.mean({{}}, axis=1)|{(n, 3)}",
                f"({{}} @ {{}})|{(n, 3)}|{(3,)}",
            ]
            if n == 3:
                opts.append(f"({{}} @ {{}})|{(2,)}|{(2, 3)}")
            pick = r.choice(opts).split("|")
            shapes = [eval(s) for s in pick[1:]]  # noqa: S307 - our own tuple literals
            return pick[0].format(*(self.expr(env, s, depth - 1) for s in shapes))
        if shape == (2, 3):
            return f"({self.expr(env, (2, 3), depth - 1)} @ {self.expr(env, (3, 3), depth - 1)})"
        if shape == (3, 3):
            return f"({self.expr(env, (3, 2), depth - 1)} @ {self.expr(env, (2, 3), depth - 1)})"
        return self.leaf(env, shape)

    def leaf(self, env: dict[str, tuple[int, ...]], shape: tuple[int, ...]) -> str:
        r = self.rng
        exact = [v for v, s in env.items() if s == shape]
        if exact and r.random() < 0.7:
            return r.choice(exact)
        if self.f.indexing and r.random() < 0.6:
            got = self.index_read(env, shape)
            if got:
                return got
        if shape == ():
            scal = [v for v, s in env.items() if s == ()]
            if scal and r.random() < 0.5:
                return r.choice(scal)
            arr = [v for v, s in env.items() if s]
            if arr and r.random() < 0.7:
                return f"np.sum({r.choice(arr)})"
            return _const(r)
        if r.random() < 0.3:
            return f"np.full({shape}, {_const(r)})"
        # broadcast a scalar or a smaller piece
        return f"({self.leaf(env, ())} * np.ones({shape}))"

    def index_read(self, env: dict[str, tuple[int, ...]], shape: tuple[int, ...]) -> str | None:
        r = self.rng
        cands: list[str] = []
        for v, s in env.items():
            if s == (2, 3) and shape == (3,):
                cands += [f"{v}[{r.randrange(2)}]", f"{v}[-1]"]
            if s == (2, 3) and shape == (2,):
                cands += [f"{v}[:, {r.randrange(3)}]", f"{v}[[1, 0], {r.randrange(3)}]"]
            if s == (3, 3) and shape == (3,):
                cands += [
                    f"{v}[:, {r.randrange(3)}]",
                    f"{v}[{r.randrange(3)}]",
                    f"{v}[[0, 2, 1], [1, 1, 0]]",
                ]
            if s == (3, 3) and shape == (2, 3):
                cands += [f"{v}[1:]", f"{v}[::2]", f"{v}[[2, 0]]"]
            if s == (3, 3) and shape == (3, 2):
                cands += [f"{v}[:, :2]"]
            if s == (2, 3) and shape == (3, 2):
                cands += [f"{v}.T"]
            if s == (3, 3) and shape == (3, 3):
                cands += [f"{v}.T", f"{v}[::-1]"]
            if s == (3,) and shape == (2,):
                cands += [f"{v}[:2]", f"{v}[::2]", f"{v}[[2, 0]]"]
            if s == (3,) and shape == (3,):
                cands += [f"{v}[::-1]", f"{v}[[1, 1, 0]]"]
            if s == (3,) and shape == ():
                cands += [f"{v}[{r.randrange(3)}]", f"np.sum({v}[{v} > {_const(r)}])"]
            if s == (2, 3) and shape == ():
                cands += [f"{v}[1, {r.randrange(3)}]", f"np.sum({v}[{v} > {_const(r)}])"]
            if s == (2, 3) and shape == (2, 3):
                cands += [f"{v}.reshape(3, 2).T.reshape(2, 3)"]
            if s == (3,) and shape == (3, 3):
                cands += [f"({v}[:, None] * {v}[None, :])"]
        return r.choice(cands) if cands else None

    # ---------------------------------------------------------------- statements
    def block(
        self,
        env: dict[str, tuple[int, ...]],
        n: int,
        indent: str,
        owned: set[str],
        top: bool = False,
    ) -> list[str]:
        out: list[str] = []
        for _ in range(n):
            out += self.statement(env, indent, owned, top)
        return out

    def statement(
        self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str], top: bool
    ) -> list[str]:
        r = self.rng
        f = self.f
        k = r.random()
        nested = len(ind) < 12
        if k < 0.12 and f.loops and nested:
            return self.for_loop(env, ind, owned)
        if k < 0.18 and f.while_loops and nested:
            return self.while_loop(env, ind, owned)
        if k < 0.28 and f.branches and nested:
            return self.branch(env, ind, owned)
        if k < 0.36 and f.writes:
            return self.write(env, ind, owned)
        if k < 0.44 and f.augmented:
            arrays = [v for v in owned if env.get(v)]
            if arrays:
                v = r.choice(arrays)
                op = r.choice(("+=", "-=", "*="))
                rhs = self.expr(env, env[v] if r.random() < 0.6 else (), 1)
                rhs = f"np.tanh({rhs})" if op == "*=" else rhs
                return [f"{ind}{v} {op} {rhs}"]
        if k < 0.5 and f.views:
            return self.view(env, ind, owned)
        if k < 0.56 and f.helpers:
            return self.helper_call(env, ind, owned)
        if k < 0.6 and f.lists and self.loop_depth == 0:
            return self.list_loop(env, ind)
        shape = r.choice(SHAPES)
        name = self.fresh()
        rhs = self.expr(env, shape)
        env[name] = shape
        if shape and (self.f.views or not _MAY_ALIAS.match(rhs)):
            owned.add(name)  # a fresh array, or aliases are allowed
        return [f"{ind}{name} = {rhs}"]

    def carried(self, env: dict[str, tuple[int, ...]]) -> list[str]:
        r = self.rng
        v = r.choice([n for n in env if n not in self.counters] or ["v0"])
        if v == "v0":
            env.setdefault("v0", ())
        # bounded update, carried from one iteration to the next
        return [f"{v} = 0.5 * {v} + 0.5 * np.tanh({self.expr(env, env[v], 1)})"]

    def for_loop(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        r = self.rng
        i = self.fresh("i")
        n = r.randint(1, 3)
        head = f"{ind}for {i} in range({n}):"
        return self.loop_body(env, ind, owned, head, i)

    def loop_body(
        self,
        env: dict[str, tuple[int, ...]],
        ind: str,
        owned: set[str],
        head: str,
        counter: str | None,
    ) -> list[str]:
        r = self.rng
        inner = dict(env)
        if counter:
            inner[counter] = ()
            self.counters.add(counter)
        self.loop_depth += 1
        body = [f"{ind}    " + self.carried(inner)[0]]
        if self.f.jumps and r.random() < 0.35:
            cond = self.expr(inner, (), 1)
            jump = r.choice(("break", "continue", "return"))
            if jump == "return":
                jump = f"return {self.result(inner)}"
            body.append(f"{ind}    if {cond} > {_const(r)}:\n{ind}        {jump}")
        body += self.block(inner, r.randint(0, 2), ind + "    ", set(owned))
        self.loop_depth -= 1
        self.forget(env, inner)
        return [head, *body]

    def while_loop(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        k = self.fresh("k")
        n = self.rng.randint(1, 3)
        pre = f"{ind}{k} = 0"
        head = f"{ind}while {k} < {n}:"
        lines = self.loop_body(env, ind, owned, head, None)
        return [pre, lines[0], f"{ind}    {k} += 1", *lines[1:]]

    def forget(self, env: dict[str, tuple[int, ...]], inner: dict[str, tuple[int, ...]]) -> None:
        """Names first bound in a block may be unbound after it: keep the outer ones only."""
        for v in list(inner):
            if v in env and inner[v] != env[v]:
                raise AssertionError("a block changed a variable's shape")

    def branch(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        r = self.rng
        cond = self.expr(env, (), 1)
        a = dict(env)
        lines = [f"{ind}if {cond} > {_const(r)}:"]
        lines += [f"{ind}    " + self.carried(a)[0]]
        lines += self.block(a, r.randint(0, 1), ind + "    ", set(owned))
        if r.random() < 0.6:
            b = dict(env)
            lines += [f"{ind}else:", f"{ind}    " + self.carried(b)[0]]
            lines += self.block(b, r.randint(0, 1), ind + "    ", set(owned))
        return lines

    def write(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        r = self.rng
        shape = r.choice([s for s in SHAPES if s])
        name = self.fresh("w")
        src = [v for v, s in env.items() if s == shape]
        init = f"{r.choice(src)}.copy()" if src and r.random() < 0.5 else f"np.zeros({shape})"
        lines = [f"{ind}{name} = {init}"]
        env[name] = shape
        owned.add(name)
        if len(shape) == 1:
            targets = [
                (f"{name}[{r.randrange(shape[0])}]", ()),
                (f"{name}[:2]", (2,)),
                (f"{name}[{name} > {_const(r)}]", ()),
            ]
        else:
            targets = [
                (f"{name}[{r.randrange(shape[0])}]", (shape[1],)),
                (f"{name}[:, {r.randrange(shape[1])}]", (shape[0],)),
                (f"{name}[1, 2]", ()),
            ]
        tgt, ts = r.choice(targets)
        op = r.choice(("=", "=", "+=", "*="))
        rhs = self.expr(env, ts, 1)
        if op == "*=":
            rhs = f"np.tanh({rhs})"
        if self.f.loops and r.random() < 0.4:
            i = self.fresh("j")
            return [
                *lines,
                f"{ind}for {i} in range({shape[0]}):",
                f"{ind}    {name}[{i}] {op} {self.expr(env, shape[1:], 1)}",
            ]
        return [*lines, f"{ind}{tgt} {op} {rhs}"]

    def view(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        r = self.rng
        arrays = [v for v, s in env.items() if len(s) == 2]
        if not arrays:
            return []
        base = r.choice(arrays)
        s = env[base]
        w = self.fresh("w")
        view, vs = r.choice(
            [
                (f"{base}[1]", (s[1],)),
                (f"{base}.T", (s[1], s[0])),
                (f"{base}[:, 0]", (s[0],)),
                (f"{base}", s),
            ]
        )
        op = r.choice(("*=", "+=", "-="))
        rhs = self.expr(env, vs if r.random() < 0.5 else (), 1)
        rhs = f"np.tanh({rhs})" if op == "*=" else rhs
        env[w] = vs
        return [f"{ind}{w} = {view}", f"{ind}{w} {op} {rhs}"]

    def helper_call(self, env: dict[str, tuple[int, ...]], ind: str, owned: set[str]) -> list[str]:
        r = self.rng
        h = f"h{len(self.helpers) + 1}"
        shape = r.choice(SHAPES)
        penv = {"p": shape, "q": ()}
        body = [f"    r = {self.expr(penv, shape, 2)}"]
        if self.f.helper_mutation and shape and r.random() < 0.5:
            body.insert(0, "    p *= 0.5")
        if self.f.branches and r.random() < 0.3:
            body.append(f"    if np.sum(r) > {_const(r)}:\n        return r * 0.5")
        self.helpers.append(f"def {h}(p, q):\n" + "\n".join(body) + "\n    return r\n")
        args_p = self.expr(env, shape, 1)
        if self.f.helper_mutation and shape:
            same = [v for v in owned if env.get(v) == shape]
            if same:
                args_p = r.choice(same)
        line = f"{ind}{{}} = {h}({args_p}, {self.expr(env, (), 1)})"
        name = self.fresh()
        env[name] = shape
        if shape and self.f.views:
            owned.add(name)  # the helper may return its argument: an alias
        return [line.format(name)]

    def list_loop(self, env: dict[str, tuple[int, ...]], ind: str) -> list[str]:
        acc = self.fresh("acc")
        i = self.fresh("i")
        shape = self.rng.choice(SHAPES)
        item = self.expr(env, shape, 1)
        name = self.fresh()
        env[name] = shape
        return [
            f"{ind}{acc} = []",
            f"{ind}for {i} in range(3):",
            f"{ind}    {acc}.append({item} * ({i} + 1.0))",
            f"{ind}{name} = {acc}[0] + {acc}[-1]",
        ]

    def result(self, env: dict[str, tuple[int, ...]]) -> str:
        return self.expr(env, self.out_shape, 2 if self.out_shape == () else 1)


def _value(rng: np.random.Generator, shape: tuple[int, ...]) -> object:
    x = rng.uniform(-1.5, 1.5, size=shape)
    return float(x) if shape == () else x


def generate(seed: int, features: Features | None = None) -> Program:
    """The program of this seed (the same seed always gives the same program)."""
    feats = features or Features()
    r = random.Random(seed)
    g = _Gen(r, feats)
    n_in = r.randint(1, 3)
    shapes = [r.choice(SHAPES) for _ in range(n_in)]
    params = ["x", "y", "z"][:n_in]
    env = dict(zip(params, shapes, strict=True))
    if r.random() < 0.4:
        g.out_shape = r.choice([s for s in SHAPES if s])
    owned = {p for p, s in env.items() if s} if feats.views else set()
    body = g.block(env, r.randint(1, 5), "    ", owned, top=True)
    body.append(f"    return {g.result(env)}")
    src = "import numpy as np\n\n\n" + "\n\n".join(g.helpers) + ("\n\n" if g.helpers else "")
    src += f"def f({', '.join(params)}):\n" + "\n".join(body) + "\n"
    nrng = np.random.default_rng(seed)
    return Program(src, [_value(nrng, s) for s in shapes], seed, feats)
