"""Per-library adapters: turn a plain workload function into a gradient callable.

Every adapter answers the same questions for the harness:

* is the library installed (``availability``),
* how inputs are converted once, before timing (``convert``),
* how a gradient callable is built from a (fresh) plain function (``build``),
* how results come back to NumPy for checking (``to_numpy``),
* how to clear the library's compilation cache, if it has one.

Libraries that can take the plain NumPy source as is get it as is: adgen and
tangent read the source, autograd and JAX run the very same code object with
the name ``np`` rebound to ``autograd.numpy`` / ``jax.numpy``.  PyTorch gets
the statement-by-statement translations in :mod:`torch_workloads`.
"""

from __future__ import annotations

import importlib
import types
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from workloads import Args, Workload

GradFn = Callable[..., Any]


def rebind_numpy(fn: Callable[..., Any], module: types.ModuleType) -> Callable[..., Any]:
    """The same code object as ``fn`` with the global name ``np`` bound to ``module``."""
    namespace = dict(fn.__globals__)
    namespace["np"] = module
    return types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)


def _wrt_arg(wl: Workload) -> int | tuple[int, ...]:
    """``wrt`` as the libraries expect it: an int for one argument, else a tuple."""
    return wl.wrt[0] if len(wl.wrt) == 1 else wl.wrt


def _as_tuple(result: Any, wl: Workload) -> tuple[Any, ...]:
    """Normalise a gradient result to a tuple with one entry per ``wrt`` argument."""
    if len(wl.wrt) == 1 and not isinstance(result, (tuple, list)):
        return (result,)
    if isinstance(result, (tuple, list)) and len(wl.wrt) == 1 and len(result) == 1:
        return (result[0],)
    return tuple(result)


def _module_version(name: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # any metadata problem means "unknown"
        return None


class Adapter:
    """Base adapter: NumPy in, NumPy out, nothing to convert."""

    name = "base"
    #: distribution name used to report the version
    dist: str | None = None
    #: a reverse-mode gradient (memory is measured for reverse mode only)
    reverse = True
    #: allocations are NumPy arrays, hence visible to tracemalloc
    numpy_memory = True
    #: a peer library (skipped with a note when not installed)
    peer = True

    def availability(self) -> str | None:
        """None when usable, else a note saying why not."""
        return None

    def version(self) -> str | None:
        """Installed version of the library, if known."""
        return _module_version(self.dist) if self.dist else None

    def supports(self, wl: Workload) -> bool:
        """Whether this adapter applies to ``wl`` at all."""
        return True

    def info(self) -> dict[str, Any]:
        """Extra facts for the JSON (e.g. which cache API was used)."""
        return {}

    def clear_cache(self) -> None:
        """Drop compiled derivatives, so that the next build compiles anew."""

    def convert(self, args: Args, wl: Workload) -> Args:
        """Inputs in the library's own array type (done once, outside timing)."""
        return args

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """A callable returning the gradient of ``fn`` w.r.t. ``wl.wrt``."""
        raise NotImplementedError

    def primal(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn | None:
        """The library's own primal callable, when it differs from the NumPy one."""
        return None

    def to_numpy(self, result: Any, wl: Workload) -> tuple[Any, ...]:
        """The gradient as a tuple of NumPy values, one per ``wrt`` argument."""
        return tuple(np.asarray(r) for r in _as_tuple(result, wl))


class Handwritten(Adapter):
    """The hand-written NumPy gradient (baseline and reference)."""

    name = "handwritten"
    peer = False

    def version(self) -> str | None:
        """NumPy's version."""
        return np.__version__

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """The workload's hand-written gradient."""
        return wl.grad


def _adgen_clear_cache() -> str | None:
    """Call adgen's cache-clearing API if one exists; return its dotted name."""
    adgen = importlib.import_module("adgen")
    for owner_name in ("", "compile", "cache"):
        owner: Any = adgen
        if owner_name:
            owner = getattr(adgen, owner_name, None)
            if not isinstance(owner, types.ModuleType):
                continue
        for attr in ("clear_cache", "cache_clear", "clear"):
            func = getattr(owner, attr, None)
            if attr == "clear" and owner is adgen:
                continue
            if callable(func):
                func()
                return ".".join(p for p in ("adgen", owner_name, attr) if p)
    return None


class Adgen(Adapter):
    """adgen reverse mode: ``adgen.grad(f, wrt=...)``."""

    name = "adgen"
    dist = "adgen"
    peer = False
    cache_api: str | None = None

    def clear_cache(self) -> None:
        """Clear adgen's cache when it has an API for it (fresh functions miss anyway)."""
        try:
            self.cache_api = _adgen_clear_cache()
        except ImportError:
            pass

    def info(self) -> dict[str, Any]:
        """Where adgen was imported from (or why not) and the cache API found."""
        try:
            adgen = importlib.import_module("adgen")
            status: dict[str, Any] = {"importable": True, "file": getattr(adgen, "__file__", None)}
        except Exception as exc:  # recorded; entries carry the error too
            status = {"importable": False, "error": f"{type(exc).__name__}: {exc}"}
        return {"import": status, "cache_api": self.cache_api}

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """``adgen.grad`` of the plain function."""
        adgen = importlib.import_module("adgen")
        return adgen.grad(fn, wrt=_wrt_arg(wl))


class AdgenNumba(Adgen):
    """adgen reverse mode compiled by numba: ``adgen.grad(f, wrt=..., backend="numba")``
    (loop workloads only; the others are products of whole arrays, which numba does not
    speed up)."""

    name = "adgen_numba"
    dist = "numba"
    numpy_memory = False

    def availability(self) -> str | None:
        """Importable numba?"""
        try:
            importlib.import_module("numba")
        except ImportError as exc:
            return f"numba not importable: {exc}"
        return None

    def supports(self, wl: Workload) -> bool:
        """Loop workloads."""
        return wl.loops and wl.name != "rnn"

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """``adgen.grad`` of the plain function with the numba backend."""
        adgen = importlib.import_module("adgen")
        return adgen.grad(fn, wrt=_wrt_arg(wl), backend="numba")

    def primal(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn | None:
        """The plain function compiled by ``numba.njit``."""
        return importlib.import_module("numba").njit(fn)


class AdgenForward(Adgen):
    """adgen forward mode: one ``adgen.jvp`` call per input element (small inputs only)."""

    name = "adgen_fwd"
    reverse = False
    max_elements = 16

    def supports(self, wl: Workload) -> bool:
        """Only workloads flagged as having few input elements."""
        return wl.forward_ok

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """Assemble the gradient from Jacobian-vector products with basis tangents."""
        adgen = importlib.import_module("adgen")
        jvp = adgen.jvp(fn, wrt=_wrt_arg(wl))
        wrt = wl.wrt
        shapes = [np.shape(args[i]) for i in wrt]
        if sum(int(np.prod(s)) for s in shapes) > self.max_elements:
            raise ValueError("too many input elements for forward mode")

        def zero(shape: tuple[int, ...]) -> Any:
            return 0.0 if shape == () else np.zeros(shape)

        def grad_by_jvp(*call_args: Any) -> Any:
            out = []
            for pos, shape in enumerate(shapes):
                tangents = [zero(s) for s in shapes]
                if shape == ():
                    tangents[pos] = 1.0
                    out.append(jvp(*call_args, *tangents)[1])
                    continue
                g = np.empty(shape)
                for idx in np.ndindex(*shape):
                    basis = np.zeros(shape)
                    basis[idx] = 1.0
                    tangents[pos] = basis
                    g[idx] = jvp(*call_args, *tangents)[1]
                out.append(g)
            return out[0] if len(out) == 1 else tuple(out)

        return grad_by_jvp


class Autograd(Adapter):
    """HIPS autograd on the plain function with ``np`` rebound to ``autograd.numpy``."""

    name = "autograd"
    dist = "autograd"

    def availability(self) -> str | None:
        """Importable?"""
        try:
            importlib.import_module("autograd")
        except Exception as exc:
            return f"autograd not importable ({exc}); pip install autograd"
        return None

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """``autograd.grad`` with an int or tuple ``argnum``."""
        autograd = importlib.import_module("autograd")
        anp = importlib.import_module("autograd.numpy")
        return autograd.grad(rebind_numpy(fn, anp), _wrt_arg(wl))


class Tangent(Adapter):
    """tangent-ad (import name ``tangent``) on the plain function."""

    name = "tangent"
    dist = "tangent-ad"

    def availability(self) -> str | None:
        """Importable?"""
        try:
            importlib.import_module("tangent")
        except Exception as exc:
            return f"tangent not importable ({exc}); pip install tangent-ad"
        return None

    def clear_cache(self) -> None:
        """``tangent.clear_cache()``."""
        tangent = importlib.import_module("tangent")
        clear = getattr(tangent, "clear_cache", None)
        if callable(clear):
            clear()

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """``tangent.grad(f, wrt=...)``."""
        tangent = importlib.import_module("tangent")
        with warnings.catch_warnings():
            # tangent's generated code triggers "'is' with a literal" warnings
            warnings.simplefilter("ignore", SyntaxWarning)
            return tangent.grad(fn, wrt=wl.wrt)


class Jax(Adapter):
    """JAX on the plain function with ``np`` rebound to ``jax.numpy`` (float64)."""

    name = "jax"
    dist = "jax"
    numpy_memory = False
    jit = False

    def availability(self) -> str | None:
        """Importable? Also switches JAX to float64."""
        try:
            jax = importlib.import_module("jax")
            jax.config.update("jax_enable_x64", True)
            jax.config.update("jax_platforms", "cpu")
        except Exception as exc:
            return f"jax not importable ({exc}); pip install jax"
        return None

    def clear_cache(self) -> None:
        """Fresh function objects miss jit's cache already; nothing global to clear."""

    def convert(self, args: Args, wl: Workload) -> Args:
        """NumPy arrays to ``jax.Array``; Python scalars stay."""
        jnp = importlib.import_module("jax.numpy")
        return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

    def _static(self, args: Args) -> tuple[int, ...]:
        return tuple(i for i, a in enumerate(args) if isinstance(a, int))

    def _wrap(self, f: Callable[..., Any], args: Args) -> GradFn:
        jax = importlib.import_module("jax")
        if self.jit:
            f = jax.jit(f, static_argnums=self._static(args))

        def synced(*call_args: Any) -> Any:
            return jax.block_until_ready(f(*call_args))

        return synced

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """``jax.grad`` (optionally jitted), blocking until the result is ready."""
        jax = importlib.import_module("jax")
        jnp = importlib.import_module("jax.numpy")
        return self._wrap(jax.grad(rebind_numpy(fn, jnp), argnums=_wrt_arg(wl)), args)

    def primal(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn | None:
        """The same function under JAX (jitted for jax_jit)."""
        jnp = importlib.import_module("jax.numpy")
        return self._wrap(rebind_numpy(fn, jnp), args)


class JaxJit(Jax):
    """``jax.jit(jax.grad(f))``; first-call latency is the trace + compile time."""

    name = "jax_jit"
    jit = True


class Torch(Adapter):
    """PyTorch eager on CPU, float64, using the translations in :mod:`torch_workloads`."""

    name = "torch"
    dist = "torch"
    numpy_memory = False

    def availability(self) -> str | None:
        """Importable?"""
        try:
            importlib.import_module("torch")
            importlib.import_module("torch_workloads")
        except Exception as exc:
            return f"torch not importable ({exc}); pip install torch"
        return None

    def convert(self, args: Args, wl: Workload) -> Args:
        """Arrays to tensors (shared memory); differentiated floats to 0-d tensors."""
        torch = importlib.import_module("torch")
        out: list[Any] = []
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray):
                out.append(torch.from_numpy(a))
            elif i in wl.wrt and isinstance(a, float):
                out.append(torch.tensor(a, dtype=torch.float64))
            else:
                out.append(a)
        return tuple(out)

    def _function(self, wl: Workload) -> Callable[..., Any]:
        return importlib.import_module("torch_workloads").TORCH_FUNCTIONS[wl.name]

    def build(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn:
        """Leaf tensors with ``requires_grad``, forward, ``torch.autograd.grad``."""
        torch = importlib.import_module("torch")
        tf = self._function(wl)
        wrt = wl.wrt

        def grad(*call_args: Any) -> Any:
            leaves = list(call_args)
            inputs = []
            for i in wrt:
                t = call_args[i].detach().requires_grad_(True)
                leaves[i] = t
                inputs.append(t)
            grads = torch.autograd.grad(tf(*leaves), inputs)
            return grads[0] if len(grads) == 1 else grads

        return grad

    def primal(self, fn: Callable[..., Any], wl: Workload, args: Args) -> GradFn | None:
        """The torch translation itself (inputs do not require grad)."""
        return self._function(wl)

    def to_numpy(self, result: Any, wl: Workload) -> tuple[Any, ...]:
        """Tensors to NumPy arrays."""
        return tuple(r.detach().numpy() for r in _as_tuple(result, wl))


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        Handwritten(),
        Adgen(),
        AdgenNumba(),
        AdgenForward(),
        Jax(),
        JaxJit(),
        Autograd(),
        Torch(),
        Tangent(),
    )
}
