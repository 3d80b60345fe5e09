"""Generated code in tracebacks, ``inspect`` and ``pdb``."""

from __future__ import annotations

import inspect
import io
import linecache
import pdb
import sys
import traceback

import numpy as np
import pytest

import adgen
from adgen.tracebacks import annotate


def layer(x, W):
    z = np.sin(x)
    w = W @ z
    return np.sum(w)


def failing_note(exc: BaseException) -> str:
    notes = getattr(exc, "__notes__", None)
    return "\n".join(notes) if notes else str(exc)


def test_exception_names_generated_and_source_line() -> None:
    g = adgen.grad(layer)
    with pytest.raises(ValueError) as info:
        g(np.ones(3), np.ones((2, 4)))  # W @ z: shapes do not fit
    note = failing_note(info.value)
    ran = g._last  # the code specialised to these shapes (grad's leaves out the value)
    func = ran.func
    lineno = next(
        i for i, line in enumerate(ran.source.splitlines(), 1) if line.strip() == "w = W @ z"
    )
    assert f"line {lineno} of the generated layer_grad" in note
    assert f'File "{__file__}", line {layer.__code__.co_firstlineno + 2}' in note
    assert "w = W @ z" in note
    # The traceback shows the generated line itself (from linecache).
    text = "".join(traceback.format_exception(info.value))
    assert f'File "{func.__code__.co_filename}", line {lineno}, in layer_grad' in text
    assert "    w = W @ z\n" in text


# On 3.10 a bare `raise` re-raises with the traceback it caught, not the exception's
# (edited) __traceback__; 3.11 changed that, so adgen can hide its frames from 3.11 on.
HIDES_FRAMES = pytest.mark.skipif(
    sys.version_info < (3, 11),
    reason="adgen hides its own traceback frames on Python 3.11+ only (bare raise on 3.10)",
)


def test_note_is_added_once() -> None:
    g = adgen.grad(layer)
    with pytest.raises(ValueError) as info:
        g(np.ones(3), np.ones((2, 4)))
    entry = g.compiled()
    annotate(info.value, entry.func, entry.emitted.line_locs)
    # Python 3.11+ keeps the note in __notes__; 3.10 appends it to the message.
    text = "\n".join(getattr(info.value, "__notes__", [])) or str(info.value)
    assert text.count("raised by line") == 1


def test_errors_outside_generated_code_get_no_note() -> None:
    g = adgen.grad(layer)
    with pytest.raises(adgen.DifferentiationError) as info:
        g(np.ones(3, dtype=int), np.ones((2, 3)))
    assert not getattr(info.value, "__notes__", None)


def test_every_code_line_maps_to_the_source() -> None:
    g = adgen.vjp(layer, ("x", "W"))
    emitted = g.compiled().emitted
    lines = emitted.source.splitlines()
    after_doc = lines.index('    """') + 2  # 1-based number of the first line after it
    code = [i for i in range(after_doc, len(lines) + 1) if not lines[i - 1].strip().startswith("#")]
    assert code and all(i in emitted.line_locs for i in code)
    first = layer.__code__.co_firstlineno
    assert {loc.lineno for loc in emitted.line_locs.values()} == {first + 1, first + 2, first + 3}


def test_inspect_and_linecache_see_generated_source() -> None:
    g = adgen.grad(layer)
    func = g.compiled().func
    assert inspect.getsource(func) == g.source
    filename = func.__code__.co_filename
    assert linecache.getline(filename, 1) == g.source.splitlines(True)[0]


def test_pdb_steps_through_generated_code() -> None:
    g = adgen.grad(layer)
    func = g.compiled().func
    out = io.StringIO()
    debugger = pdb.Pdb(stdin=io.StringIO("list\nnext\nnext\np z\ncontinue\n"), stdout=out)
    debugger.use_rawinput = False
    debugger.runcall(func, np.zeros(3), np.ones((2, 3)))
    text = out.getvalue()
    assert "-> z = np.sin(x)" in text
    assert "-> w = W @ z" in text
    assert "# Reverse sweep" in text  # the listing shows generated source
    assert "array([0., 0., 0.])" in text


def _frames(exc: BaseException) -> list[str]:
    return [f.filename for f in traceback.extract_tb(exc.__traceback__)]


ADGEN_DIR = str(__import__("pathlib").Path(adgen.__file__).parent)


@HIDES_FRAMES
def test_adgen_frames_are_hidden_but_user_and_generated_lines_stay() -> None:
    g = adgen.grad(layer)
    with pytest.raises(ValueError) as info:
        g(np.ones(3), np.ones((2, 4)))
    files = _frames(info.value)
    assert __file__ in files
    assert any(f.startswith("<adgen layer_grad") for f in files)
    assert not any(f.startswith(ADGEN_DIR) for f in files), files
    assert "ADGEN_TRACEBACK=full" in failing_note(info.value)


@HIDES_FRAMES
def test_refusals_from_the_compiler_hide_its_frames() -> None:
    def uses_unknown(x):
        return np.fft.fft(x).real.sum()

    with pytest.raises(adgen.UnsupportedSyntaxError) as info:
        adgen.grad(uses_unknown)(np.ones(3))
    assert not any(f.startswith(ADGEN_DIR) for f in _frames(info.value))
    with pytest.raises(adgen.DifferentiationError) as info:
        adgen.grad(layer, wrt="nope")
    assert not any(f.startswith(ADGEN_DIR) for f in _frames(info.value))


def test_full_tracebacks_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from adgen.settings import config

    monkeypatch.setattr(config, "traceback", "full")
    g = adgen.grad(layer)
    with pytest.raises(ValueError) as info:
        g(np.ones(3), np.ones((2, 4)))
    assert any(f.startswith(ADGEN_DIR) for f in _frames(info.value))


def test_source_not_found_is_not_chained_to_inspect() -> None:
    ns: dict = {"np": np}
    exec("def typed(x):\n    return x * 2.0\n", ns)
    with pytest.raises(adgen.SourceNotFoundError) as info:
        adgen.grad(ns["typed"])(1.0)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    text = "".join(traceback.format_exception(info.value))
    assert "OSError" not in text and "inspect.py" not in text


def test_environment_variable_selects_full_tracebacks() -> None:
    import subprocess
    import sys

    code = "import adgen; print(adgen.config.traceback)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "ADGEN_TRACEBACK": "full"},
    )
    assert out.stdout.strip() == "full"
