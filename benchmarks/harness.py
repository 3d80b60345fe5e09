"""Measurement: verification, timing, first-call latency, memory, call overhead.

All libraries are measured in one process, on the same inputs, one after the
other.  For every (workload, size, library) the order is:

1. clear the library's cache, take a *fresh* copy of the plain function
   (re-executed from its source, so every source-keyed cache misses), build
   the gradient and call it once: that is the first-call latency;
2. compare the result with the hand-written gradient (``np.allclose``); on
   disagreement record the error and do not time;
3. time the cached gradient call (``perf_counter``; calibrated inner loop,
   several repeats, minimum and median kept);
4. for loop workloads and reverse-mode NumPy libraries, the peak of
   ``tracemalloc`` during one gradient call.

Failures of any kind are recorded as text and the run goes on.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import itertools
import signal
import statistics
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from adapters import Adapter
from workloads import TRIVIAL, Args, SizeSpec, Workload, size_label


@dataclass(frozen=True)
class Settings:
    """Timing knobs of one size level."""

    min_time: float  # target duration of one timed repeat [s]
    repeats: int  # number of timed repeats
    budget: float  # stop repeating once this much time was spent timing [s]
    timeout: float  # hard limit for one (workload, size, library) [s]
    latency_repeats: int  # fresh builds for the first-call figure (min kept)
    overhead_calls: int  # calls per repeat for the call-overhead figure


SETTINGS: dict[str, Settings] = {
    "tiny": Settings(0.002, 3, 0.5, 60.0, 1, 2000),
    "small": Settings(0.05, 5, 10.0, 120.0, 3, 20000),
    "full": Settings(0.2, 7, 30.0, 600.0, 3, 100000),
}

RTOL = 1e-6
ATOL = 1e-9


class BenchTimeout(Exception):
    """A measurement exceeded its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`BenchTimeout` after ``seconds`` (SIGALRM; no-op where unavailable)."""
    usable = hasattr(signal, "setitimer") and _in_main_thread()
    if not usable or seconds <= 0:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise BenchTimeout(f"timed out after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


# --------------------------------------------------------------------------
# fresh function copies
# --------------------------------------------------------------------------
_FRESH_DIR: Path | None = None
_FRESH_COUNTER = itertools.count()
_FRESH_ORIGIN: dict[str, str] = {}  # fresh file path -> original file name


def fresh_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A new function object with new code, re-executed from ``fn``'s source.

    The source is written to a new file (so ``inspect.getsource`` works for
    source-reading tools), at the same line numbers as in the original file,
    and executed in a copy of ``fn``'s globals; any cache keyed by function,
    code object or file misses.
    """
    global _FRESH_DIR
    if _FRESH_DIR is None:
        _FRESH_DIR = Path(tempfile.mkdtemp(prefix="adgen_bench_fresh_"))
    source = textwrap.dedent(inspect.getsource(fn))
    padding = "\n" * (fn.__code__.co_firstlineno - 1)
    path = _FRESH_DIR / f"fresh_{fn.__name__}_{next(_FRESH_COUNTER)}.py"
    path.write_text(padding + source)
    _FRESH_ORIGIN[str(path)] = Path(fn.__code__.co_filename).name
    namespace = dict(fn.__globals__)
    exec(compile(padding + source, str(path), "exec"), namespace)  # our own source
    return namespace[fn.__name__]


# --------------------------------------------------------------------------
# primitives
# --------------------------------------------------------------------------
@dataclass
class Timing:
    """Per-call time of a callable: best and median over repeats."""

    best: float
    median: float
    repeats: int
    number: int


def measure(call: Callable[[], Any], settings: Settings) -> Timing:
    """Time ``call`` (already warmed up): calibrated inner loop, several repeats.

    The calibration call counts as the first repeat when it alone lasts at
    least ``settings.min_time`` (slow calls are then not run needlessly).
    """
    runs: list[float] = []
    spent = 0.0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        call()
        single = max(time.perf_counter() - t0, 1e-9)
        number = max(1, int(settings.min_time / single))
        if number == 1:
            runs.append(single)
            spent = single
        while len(runs) < settings.repeats and spent <= settings.budget:
            t0 = time.perf_counter()
            for _ in range(number):
                call()
            elapsed = time.perf_counter() - t0
            runs.append(elapsed / number)
            spent += elapsed
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(min(runs), statistics.median(runs), len(runs), number)


def peak_memory(call: Callable[[], Any]) -> int:
    """Peak bytes allocated (tracemalloc) during one call, above the starting level."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return max(0, peak - base)


def compare(got: tuple[Any, ...], ref: tuple[Any, ...]) -> str | None:
    """None when ``got`` matches the hand-written ``ref``; else what differs."""
    if len(got) != len(ref):
        return f"returned {len(got)} gradients, expected {len(ref)}"
    for k, (g, r) in enumerate(zip(got, ref, strict=True)):
        g_arr = np.asarray(g, dtype=float)
        r_arr = np.asarray(r, dtype=float)
        if g_arr.shape != r_arr.shape:
            return f"gradient {k}: shape {g_arr.shape}, expected {r_arr.shape}"
        scale = max(1.0, float(np.max(np.abs(r_arr))) if r_arr.size else 1.0)
        if not np.allclose(g_arr, r_arr, rtol=RTOL, atol=ATOL * scale):
            err = float(np.max(np.abs(g_arr - r_arr)))
            return (
                f"disagrees with hand-written gradient {k}: max abs error {err:.3g} "
                f"(max |ref| {scale:.3g})"
            )
    return None


def error_text(exc: BaseException, limit: int = 600) -> str:
    """One-paragraph description of an exception (fresh-copy paths shown as the original)."""
    text = f"{type(exc).__name__}: {exc}".strip()
    for fresh, origin in _FRESH_ORIGIN.items():
        text = text.replace(fresh, origin)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# one library on one (workload, size)
# --------------------------------------------------------------------------
def run_library(
    adapter: Adapter,
    wl: Workload,
    args: Args,
    reference: tuple[Any, ...],
    settings: Settings,
) -> dict[str, Any]:
    """Measure one library on one workload instance; never raises."""
    entry: dict[str, Any] = {"status": "ok", "error": None}
    stage = "build"
    try:
        with time_limit(settings.timeout):
            native = adapter.convert(args, wl)

            def build_and_call() -> tuple[Callable[..., Any], Any, float]:
                adapter.clear_cache()
                fresh = fresh_function(wl.primal)
                t0 = time.perf_counter()
                g = adapter.build(fresh, wl, native)
                out = g(*native)
                return g, out, time.perf_counter() - t0

            stage = "first call"
            grad_fn, result, first = build_and_call()
            stage = "verify"
            mismatch = compare(adapter.to_numpy(result, wl), reference)
            if mismatch:
                entry.update(status="mismatch", error=mismatch, first_call_s=first)
                return entry
            stage = "timing"
            timing = measure(lambda: grad_fn(*native), settings)
            entry.update(
                grad_s=timing.best,
                grad_median_s=timing.median,
                repeats=timing.repeats,
                number=timing.number,
            )
            stage = "first-call repeats"
            if first < 1.0:
                for _ in range(settings.latency_repeats - 1):
                    first = min(first, build_and_call()[2])
            entry["first_call_s"] = first
            stage = "own primal"
            own = adapter.primal(wl.primal, wl, native)
            if own is not None:
                own(*native)
                entry["own_primal_s"] = measure(lambda: own(*native), settings).best
            if wl.loops and adapter.reverse:
                stage = "memory"
                if adapter.numpy_memory:
                    entry["peak_mem_bytes"] = peak_memory(lambda: grad_fn(*native))
                else:
                    entry["peak_mem_bytes"] = None
                    entry["peak_mem_note"] = "not visible to tracemalloc"
    except BenchTimeout as exc:
        entry.update(status="timeout", error=f"{stage}: {exc}")
    except Exception as exc:  # every failure is a result
        entry.update(status="error", error=f"{stage}: {error_text(exc)}")
    return entry


# --------------------------------------------------------------------------
# the suite
# --------------------------------------------------------------------------
def run_instance(
    wl: Workload, size: SizeSpec, adapters: list[Adapter], settings: Settings
) -> dict[str, Any]:
    """Primal figures, reference gradient and every library for one size."""
    args = wl.inputs(size)
    label = size_label(size)
    record: dict[str, Any] = {
        "workload": wl.name,
        "description": wl.description,
        "size": label,
        "size_params": dict(size),
        "loops": wl.loops,
        "wrt": list(wl.wrt),
        "libs": {},
    }
    wl.primal(*args)
    record["primal_s"] = measure(lambda: wl.primal(*args), settings).best
    if wl.loops:
        record["primal_peak_mem_bytes"] = peak_memory(lambda: wl.primal(*args))
    reference = tuple(np.asarray(r) for r in _tuple(wl.grad(*args), wl))
    for adapter in adapters:
        if not adapter.supports(wl):
            continue
        entry = run_library(adapter, wl, args, reference, settings)
        record["libs"][adapter.name] = entry
        shown = f"{entry['grad_s'] * 1e3:.3f} ms" if "grad_s" in entry else f"[{entry['status']}]"
        _log(f"  {wl.name:<20} {label:<34} {adapter.name:<12} {shown}")
    add_ratios(record)
    return record


def _tuple(result: Any, wl: Workload) -> tuple[Any, ...]:
    if len(wl.wrt) == 1:
        return (result,)
    return tuple(result)


def add_ratios(record: dict[str, Any]) -> None:
    """Derived figures: grad/primal, vs hand-written, adgen vs each peer."""
    libs = record["libs"]
    primal = record["primal_s"]
    hand = libs.get("handwritten", {}).get("grad_s")
    adgen_t = libs.get("adgen", {}).get("grad_s")
    for name, entry in libs.items():
        t = entry.get("grad_s")
        if t is None:
            continue
        entry["grad_over_primal"] = t / primal if primal else None
        own = entry.get("own_primal_s")
        entry["grad_over_own_primal"] = t / own if own else None
        entry["vs_handwritten"] = t / hand if hand else None
        entry["adgen_over_lib"] = adgen_t / t if adgen_t and name != "adgen" else None
    record["adgen_vs"] = {
        name: adgen_t / e["grad_s"]
        for name, e in libs.items()
        if adgen_t and name != "adgen" and e.get("grad_s")
    }


def call_overhead(adapters: list[Adapter], settings: Settings) -> dict[str, Any]:
    """Per-call time of each library's cached gradient of ``x*x`` vs the hand-written one."""
    wl = TRIVIAL
    args = wl.inputs({})
    per_call = overhead_settings(settings)
    hand = measure(lambda: wl.grad(*args), per_call).best
    out: dict[str, Any] = {"function": "x * x on a Python float", "handwritten_us": hand * 1e6}
    libs: dict[str, Any] = {}
    for adapter in adapters:
        if adapter.name == "handwritten" or not adapter.supports(wl):
            continue
        entry: dict[str, Any] = {}
        try:
            with time_limit(settings.timeout):
                native = adapter.convert(args, wl)
                g = adapter.build(fresh_function(wl.primal), wl, native)
                mismatch = compare(adapter.to_numpy(g(*native), wl), (np.asarray(3.0),))
                if mismatch:
                    entry["error"] = mismatch
                else:
                    t = measure(lambda g=g, a=native: g(*a), per_call).best
                    entry["call_us"] = t * 1e6
                    entry["overhead_us"] = (t - hand) * 1e6
        except Exception as exc:
            entry["error"] = error_text(exc)
        libs[adapter.name] = entry
        _log(f"  overhead {adapter.name:<12} {entry.get('call_us', entry.get('error'))}")
    out["libs"] = libs
    return out


def overhead_settings(settings: Settings) -> Settings:
    """Settings for microsecond-scale calls: a fixed large inner loop."""
    values = asdict(settings)
    values["min_time"] = max(settings.min_time, 1e-6 * settings.overhead_calls)
    return Settings(**values)


def run_suite(workloads: list[Workload], adapters: list[Adapter], level: str) -> dict[str, Any]:
    """Run every workload at every size of ``level`` for every adapter."""
    settings = SETTINGS[level]
    results = []
    for wl in workloads:
        for size in wl.size_specs(level):
            results.append(run_instance(wl, size, adapters, settings))
    overhead = call_overhead(adapters, settings)
    return {
        "results": results,
        "overhead": overhead,
        "settings": asdict(settings),
        "tolerance": {"rtol": RTOL, "atol": ATOL},
    }
