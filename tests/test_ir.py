"""The IR's typed control-flow ops, its verifier and its printer."""

import dataclasses

import pytest

from adgen import pipeline
from adgen.ir import (
    Block,
    Const,
    ForRange,
    Function,
    If,
    Op,
    Var,
    VerifyError,
    While,
    clone,
    format_function,
    verify,
)
from adgen.primitives import PRIMITIVES


def _fn(*ops: Op, params=("x",), results=("r",)) -> Function:
    return Function("f", list(params), Block([], list(ops), [Var(r) for r in results]))


def test_control_ops_are_typed_however_made():
    op = Op(
        ["r"],
        "if",
        [Var("c")],
        {},
        None,
        [Block([], [], [Const(1.0)]), Block([], [], [Const(2.0)])],
    )
    assert isinstance(op, If) and op.cond == Var("c") and op.orelse.results == [Const(2.0)]
    assert isinstance(dataclasses.replace(op), If)
    loop = ForRange.new(
        ["s"], [Const(0), Var("n"), Const(1)], [Var("x")], Block(["i", "s0"], [], [Var("s0")])
    )
    assert loop.index == "i" and loop.carried == ["s0"] and loop.inits == [Var("x")]
    assert loop.yields == [Var("s0")] and loop.exit_flag is None and not loop.reverse
    w = While.new(
        ["s"],
        [Var("x")],
        Block(["s0"], [], [Var("flag")]),
        Block([], [], [Var("s0"), Var("stop")]),
        exits=True,
    )
    assert w.carried == ["s0"] and w.cond == Var("flag") and w.exit_flag == Var("stop")
    assert isinstance(clone(_fn(w, results=("s",))).body.ops[0], While)


def _bad_if() -> Function:
    # an if whose then-branch yields two values for one result
    two = Block([], [], [Var("x"), Var("x")])
    return _fn(If.new(["r"], Var("x"), two, Block([], [], [Var("x")])))


@pytest.mark.parametrize(
    "fn, message",
    [
        (_bad_if(), "then block yields: expected 1, got 2"),
        (
            _fn(
                ForRange.new(
                    ["r"], [Const(0), Const(3), Const(1)], [Var("x")], Block(["i"], [], [Var("x")])
                )
            ),
            "body parameters (index, carried): expected 2, got 1",
        ),
        (
            _fn(
                While.new(
                    ["r"],
                    [Var("x")],
                    Block(["s"], [], [Var("s"), Var("s")]),
                    Block([], [], [Var("s")]),
                )
            ),
            "head yields (the condition): expected 1, got 2",
        ),
        (_fn(Op(["r"], "add", [Var("x"), Var("x")], {"axis": [0]})), "not hashable"),
        (_fn(Op(["r"], "add", [Var("x"), Var("y")])), "'y' used before definition"),
        (_fn(Op(["r"], "add", [Var("x")])), "add takes 2 operands"),
    ],
)
def test_verify_rejects_broken_ir(fn, message):
    with pytest.raises(VerifyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        verify(fn, PRIMITIVES)


def test_printer_names_blocks_and_tags():
    def f(x, n):
        s = x
        for _i in range(n):
            if s > 0.0:
                s = s * x
        return s

    text = format_function(pipeline.derive(pipeline.lower(f), "vjp", ["x"]))
    assert "body(_i" in text and "then():" in text and "else():" in text
    assert "[adjoint]" in text
    verify(pipeline.lower(f), PRIMITIVES)
