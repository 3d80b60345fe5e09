"""``adgen check``: the derivatives of a function against finite differences, at
inputs made from ``--shapes`` or returned by an inputs function."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import aot, pipeline
from ..signatures import normalize_wrt
from ..testing import GradientCheckError, check_grads
from .common import UserError, resolve, wrt_spec


def _parse_shapes(text: str) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for item in text.replace(";", " ").split():
        name, sep, dims = item.partition("=")
        if not sep or not name.isidentifier():
            raise UserError(
                f"--shapes: expected name=dims (like x=3,4 or s= for a float), not {item!r}"
            )
        dims = dims.strip("()[]")
        try:
            shapes[name] = tuple(int(d) for d in dims.replace("x", ",").split(",") if d)
        except ValueError:
            raise UserError(f"--shapes: {item!r}: dimensions must be whole numbers") from None
    return shapes


def _inputs_from_shapes(target: aot.Target, text: str, rng: np.random.Generator) -> list[Any]:
    shapes = _parse_shapes(text)
    sig = inspect.signature(target.func)
    unknown = [n for n in shapes if n not in sig.parameters]
    if unknown:
        raise aot.TargetError(
            f"--shapes names {unknown[0]!r}, which is not a parameter of "
            f"{target.name} ({', '.join(sig.parameters)})",
            target.location,
        )
    args = []
    for name, p in sig.parameters.items():
        if name in shapes:
            shape = shapes[name]
            args.append(float(rng.standard_normal()) if shape == () else rng.standard_normal(shape))
        elif p.default is not inspect.Parameter.empty:
            args.append(p.default)
        else:
            raise aot.TargetError(
                f"--shapes gives no shape for {name!r}; add {name}=... ({name}= for a float)",
                target.location,
            )
    return args


def _inputs_from_function(target: aot.Target, spec: str, rng: np.random.Generator) -> list[Any]:
    maker = resolve(spec)
    takes = [
        p
        for p in inspect.signature(maker.func).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    try:
        made = maker.func(rng) if takes else maker.func()
    except Exception as exc:
        raise aot.TargetError(f"{maker.name} raised {aot.exc_line(exc)}", maker.location) from None
    sig = inspect.signature(target.func)
    try:
        bound = sig.bind(**made) if isinstance(made, dict) else sig.bind(*made)
    except TypeError as exc:
        raise aot.TargetError(
            f"the inputs from {maker.name} do not fit {target.name}: {exc}", maker.location
        ) from None
    bound.apply_defaults()
    return list(bound.args)


def _describe_inputs(target: aot.Target, args: Sequence[Any]) -> str:
    names = list(inspect.signature(target.func).parameters)
    return ", ".join(
        f"{n}: {np.shape(a) if isinstance(a, np.ndarray) else type(a).__name__}"
        for n, a in zip(names, args, strict=False)
    )


def cmd_check(args: argparse.Namespace, argv: Sequence[str]) -> int:
    target = resolve(args.target)
    rng = np.random.default_rng(args.seed)
    if args.shapes is not None:
        inputs = _inputs_from_shapes(target, args.shapes, rng)
    else:
        inputs = _inputs_from_function(target, args.inputs, rng)
    wrt = wrt_spec(args.wrt)
    with aot.located(target):
        names, _, _ = normalize_wrt(target.func, wrt)
        pipeline.lower(target.func)  # report unsupported syntax before running anything
    modes = aot.MODES if args.mode == "both" else (args.mode,)
    try:
        target.func(*inputs)
    except Exception as exc:
        raise aot.TargetError(
            f"{target.name} raised {aot.exc_line(exc)} at the inputs "
            f"({_describe_inputs(target, inputs)})",
            target.location,
        ) from None
    what = f"{target.name} with respect to {', '.join(names)}"
    try:
        check_grads(
            target.func,
            inputs,
            wrt=wrt,
            modes=modes,
            seed=args.seed,
            rtol=args.rtol,
            atol=args.atol,
        )
    except GradientCheckError as exc:
        print(
            f"{target.location}: mismatch: {exc} (derivative of {what}, "
            f"inputs {_describe_inputs(target, inputs)}, seed {args.seed})"
        )
        return 1
    print(
        f"ok: {' and '.join(modes)} mode derivatives of {what} match finite differences "
        f"(inputs {_describe_inputs(target, inputs)}, seed {args.seed})"
    )
    return 0
