"""adgen's settings, read from the environment when adgen is imported and changeable after.

``adgen.config.cache_dir`` (``ADGEN_CACHE_DIR``): a directory where generated
source text is kept across processes (see :mod:`adgen.diskcache`); None: no
disk cache. ``adgen.config.cache_size``: how many compiled derivatives the
in-memory cache keeps (the least recently used beyond it are dropped).
``adgen.config.traceback`` (``ADGEN_TRACEBACK``): ``"filtered"`` hides adgen's
own frames from tracebacks of errors raised through it, ``"full"`` shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


@dataclass
class Config:
    """The settings (one instance: :data:`config`)."""

    cache_dir: str | None = field(default_factory=lambda: _env("ADGEN_CACHE_DIR"))
    cache_size: int = 256
    traceback: str = field(default_factory=lambda: _env("ADGEN_TRACEBACK") or "filtered")


config = Config()
