"""``python -m tests.fuzz --count N --seed S [--all | --enable a,b] [--disable c]``.

Runs a campaign of random programs through adgen and prints its figures: programs,
checks, refusals by kind, failures by kind, and each failure kind's shrunk programs.
Exit status 1 when any program failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

# the tests/ directory holds the package; make ``fuzz`` importable as in pytest's conftest
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fuzz.campaign import campaign  # noqa: E402
from fuzz.gen import Features  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--all", action="store_true", help="turn every generator feature on")
    p.add_argument("--enable", default="", help="comma-separated features to turn on")
    p.add_argument("--disable", default="", help="comma-separated features to turn off")
    p.add_argument("--hessian-every", type=int, default=5)
    p.add_argument("--show", type=int, default=2, help="shrunk programs shown per kind")
    a = p.parse_args(argv)
    feats = Features.all() if a.all else Features()
    names = {f.name for f in dataclasses.fields(Features)}
    changes = {n: True for n in a.enable.split(",") if n}
    changes.update({n: False for n in a.disable.split(",") if n})
    unknown = set(changes) - names
    if unknown:
        p.error(f"unknown features {sorted(unknown)}; known: {sorted(names)}")
    feats = dataclasses.replace(feats, **changes)
    print(f"features: {feats}", flush=True)
    rep = campaign(
        a.count,
        a.seed,
        feats,
        a.hessian_every,
        shrink_per_kind=a.show,
        progress=lambda n: print(f"... {n} programs", file=sys.stderr, flush=True),
    )
    print(rep.text(a.show))
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
