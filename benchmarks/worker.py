"""Worker process: measures one library, on request from run.py (JSON lines).

``python worker.py LIB LEVEL`` imports the library, answers with a hello
line, then serves requests read from stdin, one JSON object per line:

* ``{"op": "measure", "workload": name, "size": {...}, "fingerprint": hex}``
  -> ``{"entry": {...}, "info": {...}}``
* ``{"op": "overhead"}`` -> ``{"overhead": {...}, "info": {...}}``
* ``{"op": "quit"}``

Each library lives in its own process so that the parent can stop a
measurement that runs too long (a native compile cannot be interrupted from
Python) by killing the worker, without leaving work running behind.
Anything the library prints goes to stderr; stdout carries only the protocol.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from adapters import ADAPTERS, Adapter
from harness import SETTINGS, error_text, fingerprint, overhead_entry, run_library
from workloads import WORKLOADS_BY_NAME


def _protocol_stream() -> TextIO:
    """Keep the real stdout for the protocol; send fd 1 and sys.stdout to stderr."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return proto


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message, default=_json_default) + "\n")
    out.flush()


def _json_default(obj: Any) -> Any:
    try:
        return float(obj)
    except (TypeError, ValueError):
        return str(obj)


def handle(adapter: Adapter, level: str, request: dict[str, Any]) -> dict[str, Any]:
    """Serve one request."""
    settings = SETTINGS[level]
    if request["op"] == "overhead":
        return {"overhead": overhead_entry(adapter, settings), "info": adapter.info()}
    wl = WORKLOADS_BY_NAME[request["workload"]]
    args = wl.inputs(request["size"])
    if fingerprint(args) != request["fingerprint"]:
        entry = {"status": "error", "error": "inputs differ from the parent's (fingerprint)"}
        return {"entry": entry, "info": adapter.info()}
    reference = wl.reference(args)
    entry = run_library(adapter, wl, args, reference, settings)
    return {"entry": entry, "info": adapter.info()}


def main(argv: list[str]) -> int:
    """Serve requests for library ``argv[0]`` at size level ``argv[1]``."""
    lib, level = argv
    proto = _protocol_stream()
    adapter = ADAPTERS[lib]
    try:
        note = adapter.availability()
    except Exception as exc:  # a broken install is a note, not a crash
        note = error_text(exc)
    _send(
        proto,
        {
            "op": "hello",
            "available": note is None,
            "note": note,
            "version": adapter.version(),
            "info": adapter.info(),
        },
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request["op"] == "quit":
            break
        try:
            reply = handle(adapter, level, request)
        except Exception as exc:  # report, keep serving
            reply = {"entry": {"status": "error", "error": f"worker: {error_text(exc)}"}}
        _send(proto, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
