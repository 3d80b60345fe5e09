"""A per-call time limit (SIGALRM), so a program that loops forever is found, not waited on."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Timeout(BaseException):
    """The time limit ran out (a BaseException, so user code's ``except Exception`` cannot
    swallow it)."""


def _alarm(signum: int, frame: object) -> None:
    raise Timeout


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` in the block after ``seconds`` (no limit off the main thread,
    where signals cannot be delivered)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
