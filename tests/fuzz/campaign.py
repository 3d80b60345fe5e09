"""A fuzzing campaign: many seeds, figures by outcome, failures shrunk and printed."""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .gen import Features, Program, generate
from .oracle import Outcome
from .runner import run
from .shrink import shrink


@dataclass
class Report:
    """Figures of a campaign; ``failures`` maps a kind to its (seed, shrunk program, detail)."""

    programs: int = 0
    checks: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    refusals: collections.Counter = field(default_factory=collections.Counter)
    failures: dict[str, list[tuple[int, Program, str]]] = field(default_factory=dict)
    invalid: collections.Counter = field(default_factory=collections.Counter)
    kinks: int = 0
    seconds: float = 0.0

    def failing_seeds(self) -> list[int]:
        return sorted(s for fs in self.failures.values() for s, _, _ in fs)

    def text(self, show: int = 2) -> str:
        lines = [
            f"programs: {self.programs}  checks: {self.checks}  time: {self.seconds:.1f} s",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            f"finite-difference checks skipped at kinks: {self.kinks}",
        ]
        if self.invalid:
            lines.append(
                "invalid (the program itself raises): "
                + ", ".join(f"{k} {v}" for k, v in self.invalid.most_common())
            )
        if self.refusals:
            lines.append("refusals by kind:")
            lines += [f"  {v:6d}  {k}" for k, v in self.refusals.most_common()]
        lines.append("failures by kind:" if self.failures else "failures: none")
        for kind, fs in sorted(self.failures.items()):
            lines.append(f"  {len(fs):6d}  {kind}: seeds {[s for s, _, _ in fs][:20]}")
        for kind, fs in sorted(self.failures.items()):
            for seed, prog, detail in fs[:show]:
                lines += [
                    f"--- {kind}, seed {seed}, shrunk: {detail}",
                    prog.source.rstrip(),
                    f"# inputs: {prog.args!r}",
                ]
        return "\n".join(lines)


def _refusal_kind(o: Outcome) -> str:
    # group refusals by error type and the start of the message (without the location)
    reason = o.detail.split(": ", 1)[-1] if o.detail.count(":") >= 3 else o.detail
    return f"{o.kind}: {reason[:70]}"


def campaign(
    count: int,
    seed: int = 0,
    features: Features | None = None,
    hessian_every: int = 5,
    shrink_per_kind: int = 2,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Run ``count`` programs from seeds ``seed .. seed + count - 1``."""
    rep = Report()
    start = time.perf_counter()
    for s in range(seed, seed + count):
        prog = generate(s, features)
        hess = hessian_every > 0 and s % hessian_every == 0
        o = run(prog, hessian=hess)
        rep.programs += 1
        rep.checks += o.checks
        rep.statuses[o.status] += 1
        rep.kinks += "kink" in o.tags
        if o.status == "refused":
            rep.refusals[_refusal_kind(o)] += 1
        elif o.status == "invalid":
            rep.invalid[o.detail.split("(")[0]] += 1
        elif o.status == "failed":
            fs = rep.failures.setdefault(o.kind, [])
            if len(fs) < shrink_per_kind:
                small = shrink(prog, o, hessian=hess)
                fs.append((s, small, run(small, hessian=hess).detail[:300]))
            else:
                fs.append((s, prog, o.detail[:300]))
        if progress and rep.programs % 500 == 0:
            progress(rep.programs)
    rep.seconds = time.perf_counter() - start
    return rep
