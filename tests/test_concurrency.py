"""Concurrency (issue 18, deliverable 4): threads compiling derivatives at once.

Many threads compile and run derivatives of different functions, and of the same
functions at the same moment (cold caches, released together by a barrier); every result
must equal the single-threaded one bit for bit. Passes keep no module-level mutable state.
"""

from __future__ import annotations

import ast
import pathlib
import random
import threading

import numpy as np
from fuzz.gen import generate
from fuzz.runner import load

import adgen

SEEDS = list(range(300, 316))
THREADS = 8


def _programs():
    """Fresh modules (so nothing is cached yet) of the seeded programs."""
    out = []
    for s in SEEDS:
        p = generate(s)
        out.append((load(p.source).f, p.args))
    return out


def _results(f, args):
    wrt = tuple(range(len(args)))
    rng = np.random.default_rng(0)
    dirs = [rng.standard_normal(np.shape(a)) if np.ndim(a) else 0.3 for a in args]
    value, tangent = adgen.jvp(f, wrt)(*[np.copy(a) for a in args], *dirs)
    u = np.ones(np.shape(value))
    grads = adgen.vjp(f, wrt)(*[np.copy(a) for a in args], u)
    return [np.asarray(value), np.asarray(tangent), *map(np.asarray, grads)]


def _same(a, b):
    return len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
        for x, y in zip(a, b, strict=True)
    )


def test_threads_compile_the_same_results_as_one_thread():
    reference = [_results(f, args) for f, args in _programs()]
    programs = _programs()  # new code objects: compiled again, now by many threads at once
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []

    def work(k: int) -> None:
        order = list(range(len(programs)))
        random.Random(k).shuffle(order)
        if k % 2 == 0:
            order = sorted(order)  # half the threads start on the same function
        barrier.wait()
        for i in order:
            f, args = programs[i]
            try:
                got = _results(f, args)
            except Exception as e:  # noqa: BLE001 - reported below, with the program
                errors.append(f"thread {k}, seed {SEEDS[i]}: {e!r}")
                continue
            if not _same(got, reference[i]):
                errors.append(f"thread {k}, seed {SEEDS[i]}: results differ from one thread's")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish (deadlock?)"
    assert not errors, "\n".join(errors[:10])


def test_passes_keep_no_module_level_mutable_state():
    """A dict, list or set bound at module level in passes/ could be shared by threads
    (simplify once kept its use counts in one). Constant tables must be frozen or tuples."""
    root = pathlib.Path(adgen.__file__).parent / "passes"
    offenders = []
    for path in sorted(root.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            value = getattr(node, "value", None)
            targets = [
                t.id
                for t in getattr(node, "targets", [getattr(node, "target", None)])
                if isinstance(t, ast.Name)
            ]
            mutable = isinstance(
                value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
            ) or (
                isinstance(value, ast.Call)
                and getattr(value.func, "id", "")
                in ("dict", "list", "set", "defaultdict", "Counter")
            )
            if mutable and targets != ["__all__"]:
                offenders.append(f"{path.name}: {', '.join(targets)}")
    assert not offenders, offenders
