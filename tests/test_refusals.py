"""Constructs adgen does not differentiate raise UnsupportedSyntaxError at the right place.

Each function below marks its offending line with ``# <- <token>``: the error
must name this file, that line, the column where ``<token>`` starts, quote
the line, and say what to do instead.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import adgen

COUNTER = 0
W = np.ones(3)


class Model:
    def __init__(self) -> None:
        self.scale = 2.0
        self.calls = 0


def with_try(x):
    try:  # <- try
        y = x * 2
    except ValueError:
        y = x
    return y


def with_with(x):
    with open("f") as fh:  # <- with
        y = x * len(fh.name)
    return y


def with_global(x):
    global COUNTER  # <- global
    COUNTER = 1
    return x


def with_nonlocal(x):
    y = x

    def inner():
        nonlocal y  # <- nonlocal
        y = 2

    return y


def with_attribute_write(m, x):
    m.scale = x * 2  # <- m.scale
    return x * m.scale


def with_attribute_augassign(m, x):
    m.calls += 1  # <- m.calls
    return x


def with_generator(x):
    yield x * 2  # <- yield


def with_yield_value(x):
    y = yield x  # <- yield
    return y


async def with_async(x):  # <- async
    return x


def with_await(x):
    y = x

    async def inner():
        await y  # <- await

    return y


def with_global_array_write(x):
    W[0] = x  # <- W[0]
    return np.sum(W * x)


def with_class_def(x):
    class Inner:  # <- class
        pass

    return x


def with_delete(x):
    y = x * 2
    del y  # <- del
    return x


def with_tuple_runtime_index(x, i):
    pair = (x, x * 2)
    return pair[i]  # <- pair[i]


def with_tuple_write(x):
    pair = (x, x * 2)
    pair[0] = x  # <- pair[0]
    return pair[1]


def with_dict_missing_key(x):
    d = {"a": x}
    return d["b"]  # <- d["b"]


def with_max_of_array(x):
    return max(x)  # <- max(x)


CASES = [
    (with_try, "try/except"),
    (with_with, "with"),
    (with_global, "global"),
    (with_nonlocal, "nonlocal"),
    (with_attribute_write, "attribute"),
    (with_attribute_augassign, "attribute"),
    (with_generator, "generator"),
    (with_yield_value, "generator"),
    (with_async, "async"),
    (with_await, "async"),
    (with_global_array_write, "copy"),
    (with_class_def, "class"),
    (with_delete, "del"),
    (with_tuple_runtime_index, "constant index"),
    (with_tuple_write, "tuples cannot be changed"),
    (with_dict_missing_key, "no item"),
    (with_max_of_array, "np.amax"),
]


def _marked(f):
    lines, first = inspect.getsourcelines(f)
    for k, line in enumerate(lines):
        if "# <- " in line:
            token = line.rsplit("# <- ", 1)[1].strip()
            code = line.split("  # ")[0]
            return first + k, code.index(token), code.strip()
    raise AssertionError(f"{f.__name__} has no marked line")


@pytest.mark.parametrize("f,advice", CASES, ids=[f.__name__ for f, _ in CASES])
def test_refused_with_location(f, advice):
    lineno, col, text = _marked(f)
    with pytest.raises(adgen.UnsupportedSyntaxError) as info:
        adgen.grad(f).source  # noqa: B018
    err = info.value
    assert err.filename == __file__
    assert (err.lineno, err.col_offset) == (lineno, col), str(err)
    assert err.line.strip().startswith(text)
    assert advice in str(err)
    assert text in str(err)
    assert isinstance(err, adgen.DifferentiationError)


def test_wrt_integer_or_boolean_argument_is_an_error():
    def f(x, n, flag):
        return x * n * flag

    with pytest.raises(adgen.DifferentiationError, match="integer or boolean"):
        adgen.grad(f, wrt=1)(2.0, 3, True)
    with pytest.raises(adgen.DifferentiationError, match="integer or boolean"):
        adgen.grad(f, wrt="flag")(2.0, 3, True)
    with pytest.raises(adgen.DifferentiationError, match="astype"):
        adgen.grad(lambda x: np.sum(x * 1.0))(np.arange(3))
    assert adgen.grad(f)(2.0, 3, True) == 3.0
