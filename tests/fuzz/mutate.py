"""Frontend fuzzing: broken programs and wrong arguments must give clean errors, never hang.

:func:`mutants` derives, from a valid generated program, programs with a statement deleted
or duplicated or an unsupported construct inserted, and argument lists with values of the
wrong kind (strings, None, complex, integer arrays, empty arrays, NaN, inf). :func:`probe`
runs the function in plain Python and adgen's derivatives of it under a time limit. Allowed:
a :class:`adgen.DifferentiationError`; an exception of the type the function itself raises;
or a normal return when the function returns. Anything else is a failure.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import random
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

import adgen

from .gen import Program, generate
from .limits import Timeout, time_limit
from .runner import forget, load

UNSUPPORTED = (
    "try:\n    pass\nexcept ValueError:\n    pass",
    "with open(__file__) as fh:\n    pass",
    "global G",
    "class C:\n    pass",
    "junk = [a for a in range(2)]",
    "junk = {a: a for a in range(2)}",
    "junk = lambda a: a * 2.0",
    "yield 1.0",
    "del np",
    "assert np.isfinite(1.0)",
    "print('x')",
    "np.attr = 1.0",
    "import math",
    "junk = (a for a in range(2))",
    "junk = x if x is None else 1.0",
    "junk = sorted([3.0, 1.0])",
    "junk = f",
    "junk = open",
    "junk = {'a': 1.0}['a']",
    "junk = 'abc' + 'd'",
    "junk = x.shape",
    "raise ValueError('user error')",
    "junk = 1 // 0",
    "junk = np.ones(3)[7]",
)

WRONG_ARGS = (
    "abc",
    None,
    1.0 + 2.0j,
    np.array([1, 2, 3]),
    np.zeros(0),
    np.zeros((0, 3)),
    float("nan"),
    float("inf"),
    np.array([np.nan, 1.0, np.inf]),
    [1.0, 2.0],
    True,
    np.array(0.5),
    np.ones((2, 3), dtype=np.float32),
    np.array(["a", "b"]),
)


SCALAR_WRONG = (
    "abc",
    None,
    1.0 + 2.0j,
    float("nan"),
    float("inf"),
    True,
    np.float32(0.5),
    np.array(0.5),
)
ARRAY_WRONG = (
    "abc",
    None,
    np.array([1, 2, 3]),
    np.zeros(0),
    np.zeros((0, 3)),
    np.array([np.nan, 1.0, np.inf]),
    [1.0, 2.0],
    np.ones((2, 3), dtype=np.float32),
    np.array(["a", "b"]),
    np.ones((2, 3)) * (1 + 1j),
)


@dataclass(frozen=True)
class Strictness:
    """What :func:`probe` demands beyond "no internal error, no hang".

    ``raise_parity``: when the function raises, the derivative raises too. Off in CI:
    adgen lowers ``x.shape``, ``x.copy()`` and ``x.reshape(...)`` on a value that may
    be a Python number as NumPy functions, which do not raise (the function's own dead
    code is kept in a VJP: see adgen.transforms.reverse.dead).
    ``any_argument``: an array argument may be replaced by a scalar and back, or by a
    list (the same causes).
    """

    raise_parity: bool = False
    any_argument: bool = False


@dataclass
class Mutant:
    """A program source and argument list derived from a valid program."""

    source: str
    args: list[object]
    what: str


def _statements(tree: ast.AST) -> list[tuple[list[ast.stmt], int]]:
    out = []
    for node in ast.walk(tree):
        for name in ("body", "orelse"):
            body = getattr(node, name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                out += [(body, i) for i in range(len(body))]
    return out


def mutants(
    prog: Program, rng: random.Random, n: int = 6, strict: Strictness = Strictness()
) -> Iterator[Mutant]:
    """``n`` random mutants of ``prog``."""
    for _ in range(n):
        k = rng.random()
        tree = ast.parse(prog.source)
        fdef = next(d for d in tree.body if isinstance(d, ast.FunctionDef) and d.name == "f")
        spots = _statements(fdef)
        body, i = rng.choice(spots)
        if k < 0.25:
            what = f"delete {ast.unparse(body[i]).splitlines()[0]}"
            del body[i]
            if not body:
                body.append(ast.Pass())
        elif k < 0.4:
            what = f"duplicate {ast.unparse(body[i]).splitlines()[0]}"
            body.insert(i, copy.deepcopy(body[i]))
        elif k < 0.75:
            snippet = rng.choice(UNSUPPORTED)
            what = f"insert {snippet.splitlines()[0]}"
            body[i:i] = ast.parse(snippet).body
        else:
            args = list(prog.args)
            j = rng.randrange(len(args))
            pool = (
                WRONG_ARGS
                if strict.any_argument
                else (ARRAY_WRONG if isinstance(args[j], np.ndarray) else SCALAR_WRONG)
            )
            args[j] = rng.choice(pool)
            yield Mutant(prog.source, args, f"argument {j} = {args[j]!r}")
            continue
        yield Mutant(ast.unparse(ast.fix_missing_locations(tree)) + "\n", list(prog.args), what)


def _copy(args: list[object]) -> list[object]:
    return [copy.deepcopy(a) for a in args]


def _like(y: object, value: float) -> object:
    try:
        return np.full(np.shape(y), value) if np.ndim(y) else value
    except Exception:  # noqa: BLE001 - a non-numeric result: any cotangent will do
        return value


def probe(m: Mutant, seconds: float = 10.0, strict: Strictness = Strictness()) -> str | None:
    """None if ``m`` behaves (see the module docstring), else what went wrong."""
    try:
        module = load(m.source)
        f = module.f
    except Exception:  # noqa: BLE001 - not a valid Python module: nothing to test
        return None
    try:
        with (
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            return _probe(f, m.args, strict.raise_parity, seconds)
    finally:
        forget(module)


def _limited(call: Callable[[], object], seconds: float) -> object:
    with time_limit(seconds):
        return call()


def _probe(
    f: Callable[..., object], args: list[object], raise_parity: bool, seconds: float
) -> str | None:
    user_error: type[BaseException] | None = None
    result: object = None
    try:
        result = _limited(lambda: f(*_copy(args)), seconds)
    except Timeout:
        return None  # the mutant loops forever in plain Python too
    except Exception as e:  # noqa: BLE001 - the user's own error, which adgen may repeat
        user_error = type(e)
    wrt = tuple(range(len(args)))
    calls = {"jvp": lambda: adgen.jvp(f, wrt)(*_copy(args), *[_like(a, 1.0) for a in args])}
    if user_error is None or raise_parity:  # else the cotangent's shape is unknown
        calls["vjp"] = lambda: adgen.vjp(f, wrt)(*_copy(args), _like(result, 1.0))
    if (user_error is None and np.ndim(result) == 0) or (user_error and raise_parity):
        calls["grad"] = lambda: adgen.grad(f, wrt)(*_copy(args))  # scalar outputs only
    for name, call in calls.items():
        try:
            _limited(call, seconds)
            if user_error is not None and raise_parity:
                return f"{name}: returns, but the function raises {user_error.__name__}"
        except adgen.DifferentiationError:
            continue
        except Timeout:
            return f"{name}: no result within {seconds} s, but the function returns"
        except Exception as e:  # noqa: BLE001 - classify every other exception
            if user_error is not None and isinstance(e, user_error):
                continue
            return f"{name}: internal error {type(e).__name__}: {e}"[:400]
    return None


def fuzz(
    count: int,
    seed: int,
    per_program: int = 4,
    seconds: float = 10.0,
    strict: Strictness = Strictness(),
) -> tuple[int, list[tuple[int, Mutant, str]]]:
    """Probe ``per_program`` mutants of each of ``count`` programs; (probes, failures)."""
    rng = random.Random(seed)
    probes = 0
    failures = []
    for s in range(seed, seed + count):
        for m in mutants(generate(s), rng, per_program, strict):
            probes += 1
            bad = probe(m, seconds, strict)
            if bad:
                failures.append((s, m, bad))
    return probes, failures
