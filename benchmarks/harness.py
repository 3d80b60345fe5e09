"""Measurement: verification, timing, first-call latency, memory, call overhead.

One run measures every library on the same inputs.  The hand-written baseline
runs in this process; every other library runs in its own worker process
(:mod:`worker`), one request at a time, so that a measurement exceeding its
time limit can be stopped for good by killing the worker (a native compile,
e.g. XLA's, cannot be interrupted from Python and would otherwise go on eating
CPU and memory).  Workers regenerate the seeded inputs and check their
fingerprint against this process's.  For every (workload, size, library):

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

import atexit
import gc
import hashlib
import inspect
import itertools
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from adapters import ADAPTERS, Adapter
from workloads import TRIVIAL, Args, SizeSpec, Workload, size_label

HERE = Path(__file__).resolve().parent


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
        atexit.register(shutil.rmtree, _FRESH_DIR, ignore_errors=True)
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
    stage = "convert"
    try:
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
        entry["first_call_s"] = first
    except Exception as exc:  # every failure is a result
        entry.update(status="error", error=f"{stage}: {error_text(exc)}")
        return entry
    # Optional figures: a failure here keeps the timing and is noted separately.
    try:
        if first < 1.0:
            for _ in range(settings.latency_repeats - 1):
                entry["first_call_s"] = min(entry["first_call_s"], build_and_call()[2])
    except Exception as exc:
        entry["first_call_note"] = f"repeat failed: {error_text(exc)}"
    try:
        own = adapter.primal(wl.primal, wl, native)
        if own is not None:
            own(*native)
            entry["own_primal_s"] = measure(lambda: own(*native), settings).best
    except Exception as exc:
        entry["own_primal_note"] = error_text(exc)
    if wl.loops and adapter.reverse:
        try:
            if adapter.numpy_memory:
                entry["peak_mem_bytes"] = peak_memory(lambda: grad_fn(*native))
            else:
                entry["peak_mem_bytes"] = None
                entry["peak_mem_note"] = "not visible to tracemalloc"
        except Exception as exc:
            entry["peak_mem_bytes"] = None
            entry["peak_mem_note"] = error_text(exc)
    return entry


def fingerprint(args: Args) -> str:
    """Hash of the inputs (dtype, shape, bytes of arrays; repr of scalars)."""
    h = hashlib.sha256()
    for a in args:
        if isinstance(a, np.ndarray):
            h.update(f"{a.dtype}{a.shape}".encode())
            h.update(np.ascontiguousarray(a).tobytes())
        else:
            h.update(repr(a).encode())
        h.update(b"|")
    return h.hexdigest()


def overhead_settings(settings: Settings) -> Settings:
    """Settings for microsecond-scale calls: a large inner loop."""
    values = asdict(settings)
    values["min_time"] = max(settings.min_time, 1e-6 * settings.overhead_calls)
    return Settings(**values)


def overhead_entry(adapter: Adapter, settings: Settings) -> dict[str, Any]:
    """Per-call time of ``adapter``'s cached gradient of ``x*x`` (microseconds)."""
    wl = TRIVIAL
    args = wl.inputs({})
    entry: dict[str, Any] = {}
    try:
        native = adapter.convert(args, wl)
        g = adapter.build(fresh_function(wl.primal), wl, native)
        mismatch = compare(adapter.to_numpy(g(*native), wl), wl.reference(args))
        if mismatch:
            entry["error"] = mismatch
        else:
            entry["call_us"] = measure(lambda: g(*native), overhead_settings(settings)).best * 1e6
    except Exception as exc:  # recorded
        entry["error"] = error_text(exc)
    return entry


# --------------------------------------------------------------------------
# worker processes
# --------------------------------------------------------------------------
class WorkerError(Exception):
    """A worker timed out, died or could not start."""


class Worker:
    """One library's worker process (see :mod:`worker`), restarted after a kill."""

    hello_timeout = 300.0

    def __init__(self, lib: str, level: str) -> None:
        self.lib = lib
        self.level = level
        self.proc: subprocess.Popen[bytes] | None = None
        self.hello: dict[str, Any] = {}
        self.last_info: dict[str, Any] | None = None
        self._buffer = b""

    def start(self) -> None:
        """Spawn the worker (own process group) without waiting for it."""
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), self.lib, self.level],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        self._buffer = b""

    def wait_hello(self) -> dict[str, Any]:
        """The worker's first line: availability, version, info."""
        if self.proc is None:
            self.start()
        self.hello = self._read(self.hello_timeout, "starting")
        return self.hello

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait at most ``timeout`` seconds for the reply."""
        if self.proc is None:
            self.start()
            self.wait_hello()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise WorkerError(f"worker for {self.lib} is gone ({exc})") from exc
        reply = self._read(timeout, "measuring")
        self.last_info = reply.get("info", self.last_info)
        return reply

    def _read(self, timeout: float, doing: str) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready = select.select([fd], [], [], remaining)[0] if remaining > 0 else []
            if not ready:
                self.kill()
                raise WorkerError(f"timed out after {timeout:g} s {doing} (worker killed)")
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                code = self.proc.wait()
                self._reap()
                raise WorkerError(f"worker for {self.lib} died {doing} (exit code {code})")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line)

    def kill(self) -> None:
        """Kill the worker's process group (ours, by id) and reap it."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self._reap()

    def _reap(self) -> None:
        """Forget the (finished) worker process and close its pipes."""
        if self.proc is not None:
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
        self.proc = None
        self._buffer = b""

    def close(self) -> None:
        """Ask the worker to quit; kill it if it does not."""
        if self.proc is None:
            return
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b'{"op": "quit"}\n')
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)
            self._reap()
        except (OSError, subprocess.TimeoutExpired):
            self.kill()


# --------------------------------------------------------------------------
# the suite
# --------------------------------------------------------------------------
def run_instance(
    wl: Workload, size: SizeSpec, libs: list[str], workers: dict[str, Worker], settings: Settings
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
    reference = wl.reference(args)
    request = {"op": "measure", "workload": wl.name, "size": size, "fingerprint": fingerprint(args)}
    for lib in libs:
        adapter = ADAPTERS[lib]
        if not adapter.supports(wl):
            continue
        if lib == "handwritten":
            entry = run_library(adapter, wl, args, reference, settings)
        else:
            try:
                entry = workers[lib].request(request, settings.timeout)["entry"]
            except WorkerError as exc:
                status = "timeout" if "timed out" in str(exc) else "error"
                entry = {"status": status, "error": str(exc)}
        record["libs"][lib] = entry
        shown = f"{entry['grad_s'] * 1e3:.3f} ms" if "grad_s" in entry else f"[{entry['status']}]"
        _log(f"  {wl.name:<20} {label:<34} {lib:<12} {shown}")
    # The ratios' denominators are timed again after the peers, best kept, so
    # a load spike during their first timing does not skew a whole block.
    record["primal_s"] = min(record["primal_s"], measure(lambda: wl.primal(*args), settings).best)
    hand = record["libs"].get("handwritten", {})
    if "grad_s" in hand:
        hand["grad_s"] = min(hand["grad_s"], measure(lambda: wl.grad(*args), settings).best)
    add_ratios(record)
    return record


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
        first = entry.get("first_call_s")
        compiles = first is not None and name != "handwritten"
        entry["compile_s"] = max(0.0, first - t) if compiles else None
    record["adgen_vs"] = {
        name: adgen_t / e["grad_s"]
        for name, e in libs.items()
        if adgen_t and name != "adgen" and e.get("grad_s")
    }


def call_overhead(libs: list[str], workers: dict[str, Worker], settings: Settings) -> dict:
    """Each library's cached gradient of ``x*x`` vs the hand-written one, per call."""
    args = TRIVIAL.inputs({})
    hand = measure(lambda: TRIVIAL.grad(*args), overhead_settings(settings)).best
    out: dict[str, Any] = {"function": "x * x on a Python float", "handwritten_us": hand * 1e6}
    entries: dict[str, Any] = {}
    for lib in libs:
        if lib == "handwritten" or not ADAPTERS[lib].supports(TRIVIAL):
            continue
        try:
            entry = workers[lib].request({"op": "overhead"}, settings.timeout)["overhead"]
        except WorkerError as exc:
            entry = {"error": str(exc)}
        if "call_us" in entry:
            entry["overhead_us"] = entry["call_us"] - hand * 1e6
        entries[lib] = entry
        _log(f"  overhead {lib:<12} {entry.get('call_us', entry.get('error'))}")
    out["libs"] = entries
    return out


def start_workers(libs: list[str], level: str) -> tuple[list[str], dict[str, Worker], dict]:
    """Start one worker per library (in parallel); keep those whose library imports.

    Returns the usable libraries, their workers and per-library information
    (availability, version, notes) for the JSON.  Unavailable peers are
    skipped with a note on stderr; adgen is kept whatever happens, its
    entries then carry the error.
    """
    workers = {lib: Worker(lib, level) for lib in libs if lib != "handwritten"}
    for w in workers.values():
        w.start()
    usable: list[str] = []
    info: dict[str, Any] = {}
    for lib in libs:
        if lib == "handwritten":
            usable.append(lib)
            info[lib] = {"available": True, "version": np.__version__}
            continue
        try:
            hello = workers[lib].wait_hello()
        except WorkerError as exc:
            hello = {"available": False, "note": str(exc)}
        available = bool(hello.get("available"))
        info[lib] = {k: v for k, v in hello.items() if k != "op"}
        if available or not ADAPTERS[lib].peer:
            usable.append(lib)
            continue
        _log(f"note: skipping {lib}: {hello.get('note')}")
        workers.pop(lib).kill()
    return usable, workers, info


def run_suite(workloads: list[Workload], libs: list[str], level: str) -> dict[str, Any]:
    """Run every workload at every size of ``level`` for every library."""
    settings = SETTINGS[level]
    usable, workers, info = start_workers(libs, level)
    try:
        results = [
            run_instance(wl, size, usable, workers, settings)
            for wl in workloads
            for size in wl.size_specs(level)
        ]
        overhead = call_overhead(usable, workers, settings)
    finally:
        for w in workers.values():
            w.close()
    for lib, w in workers.items():
        if w.last_info:
            info[lib]["info"] = w.last_info
    return {
        "libraries": info,
        "results": results,
        "overhead": overhead,
        "settings": asdict(settings),
        "tolerance": {"rtol": RTOL, "atol": ATOL},
    }
