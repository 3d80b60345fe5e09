"""Each desugaring pass, source in and source out."""

from __future__ import annotations

import ast
import textwrap

import gast
import pytest

from adgen.frontend.desugar import PASSES, desugar
from adgen.frontend.desugar.lambdas import named_lambdas
from adgen.frontend.desugar.returns import early_returns


def _run(pass_, source: str) -> str:
    node = gast.parse(textwrap.dedent(source)).body[0]
    out = pass_(node)
    return ast.unparse(gast.gast_to_ast(gast.Module(body=[out], type_ignores=[])))


def _same(got: str, expected: str) -> None:
    assert got == ast.unparse(ast.parse(textwrap.dedent(expected))), got


def test_early_return_moves_the_rest_into_the_other_branch():
    _same(
        _run(
            early_returns,
            """
        def f(x):
            if x > 0:
                return x
            y = -x
            return y
    """,
        ),
        """
        def f(x):
            if x > 0:
                return x
            else:
                y = -x
                return y
    """,
    )


def test_early_returns_in_an_elif_chain_copy_a_small_rest():
    _same(
        _run(
            early_returns,
            """
        def f(x):
            if x > 1:
                return x
            elif x > 0:
                y = 2 * x
            else:
                return -x
            return y
    """,
        ),
        """
        def f(x):
            if x > 1:
                return x
            elif x > 0:
                y = 2 * x
                return y
            else:
                return -x
    """,
    )


def test_early_returns_in_nested_functions():
    _same(
        _run(
            early_returns,
            """
        def f(x):
            def g(v):
                if v > 0:
                    return v
                return -v
            return g(x)
    """,
        ),
        """
        def f(x):
            def g(v):
                if v > 0:
                    return v
                else:
                    return -v
            return g(x)
    """,
    )


def test_returns_inside_loops_are_left_to_the_lowerer():
    source = """
        def f(x):
            for i in range(3):
                if x > i:
                    return x
            return -x
    """
    _same(_run(early_returns, source), source)


def test_named_lambda_becomes_a_def():
    _same(
        _run(
            named_lambdas,
            """
        def f(x):
            sq = lambda v, k=2: v ** k
            return sq(x) + (lambda u: u)(x)
    """,
        ),
        """
        def f(x):
            def sq(v, k=2):
                return v ** k
            return sq(x) + (lambda u: u)(x)
    """,
    )


def test_lambda_in_a_nested_block_becomes_a_def():
    _same(
        _run(
            named_lambdas,
            """
        def f(x):
            if x > 0:
                g = lambda v: v * 2
            else:
                g = lambda v: v * 3
            return g(x)
    """,
        ),
        """
        def f(x):
            if x > 0:
                def g(v):
                    return v * 2
            else:
                def g(v):
                    return v * 3
            return g(x)
    """,
    )


def test_every_pass_says_why_it_sits_where_it_does():
    assert [p.name for p in PASSES] == [
        "named_lambdas",
        "comprehensions",
        "loop_else",
        "loop_locals",
        "early_returns",
    ]
    assert all(p.why for p in PASSES)


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    y = lambda v: v\n    if x > 0:\n        return y(x)\n    return x\n",
    ],
)
def test_desugar_runs_every_pass(source):
    got = _run(desugar, source)
    assert "def y(v)" in got and "else:" in got
