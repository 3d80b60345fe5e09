"""The everyday-Python desugaring passes, source in and source out."""

from __future__ import annotations

import ast
import textwrap

import gast
from test_frontend_desugar import _run, _same

from adgen.frontend.desugar.comprehensions import comprehensions
from adgen.frontend.desugar.loop_else import loop_else
from adgen.frontend.desugar.loop_locals import loop_locals


def test_list_comprehension_assigned_to_a_name_builds_that_list():
    _same(
        _run(
            comprehensions,
            """
        def f(W, hs):
            ys = [np.tanh(W @ h) for h in hs if h[0] > 0]
            return ys
    """,
        ),
        """
        def f(W, hs):
            ys = []
            for h in hs:
                if h[0] > 0:
                    ys.append(np.tanh(W @ h))
            return ys
    """,
    )


def test_generator_passed_to_a_call_becomes_a_list_the_call_reads():
    _same(
        _run(
            comprehensions,
            """
        def f(w, x, n):
            return 2.0 * sum(w[i] * x[i] ** 2 for i in range(n))
    """,
        ),
        """
        def f(w, x, n):
            items = []
            for i in range(n):
                items.append(w[i] * x[i] ** 2)
            return 2.0 * sum(items)
    """,
    )


def test_nested_clauses_and_an_inner_comprehension():
    _same(
        _run(
            comprehensions,
            """
        def f(a):
            m = [[a[i, j] for j in range(3) if j != i] for i in range(3)]
            return np.array(m)
    """,
        ),
        """
        def f(a):
            m = []
            for i in range(3):
                items = []
                for j in range(3):
                    if j != i:
                        items.append(a[i, j])
                m.append(items)
            return np.array(m)
    """,
    )


def test_two_for_clauses_nest_in_order():
    _same(
        _run(
            comprehensions,
            """
        def f(xs, ys):
            return np.stack([x * y for x, y in zip(xs, ys) for k in range(2) if k])
    """,
        ),
        """
        def f(xs, ys):
            items = []
            for x, y in zip(xs, ys):
                for k in range(2):
                    if k:
                        items.append(x * y)
            return np.stack(items)
    """,
    )


def test_dict_comprehension():
    _same(
        _run(
            comprehensions,
            """
        def f(d):
            e = {k: 2 * v for k, v in d.items()}
            return e
    """,
        ),
        """
        def f(d):
            e = {}
            for k, v in d.items():
                e[k] = 2 * v
            return e
    """,
    )


def test_loop_variables_that_shadow_a_name_are_renamed():
    _same(
        _run(
            comprehensions,
            """
        def f(x):
            ys = [x * x for x in x]
            return sum(ys) + x[0]
    """,
        ),
        """
        def f(x):
            ys = []
            for x_1 in x:
                ys.append(x_1 * x_1)
            return sum(ys) + x[0]
    """,
    )


def test_a_target_read_by_the_comprehension_gets_a_new_list():
    _same(
        _run(
            comprehensions,
            """
        def f(ys):
            ys = [2 * y for y in ys]
            return ys
    """,
        ),
        """
        def f(ys):
            items = []
            for y in ys:
                items.append(2 * y)
            ys = items
            return ys
    """,
    )


def test_lazily_evaluated_comprehensions_stay():
    source = """
        def f(x, c):
            g = lambda: [v for v in x]
            while sum([v for v in x]) > 0:
                x = x - 1
            y = 2.0 * (c and sum([v for v in x]))
            return (v for v in x)
    """
    _same(_run(comprehensions, source), source)


def test_a_whole_value_behind_and_or_if_else_becomes_ifs():
    _same(
        _run(
            comprehensions,
            """
        def f(x, c):
            y = x if c else sum([v for v in x])
            z = c or any([v > 0 for v in x])
            return y + z
    """,
        ),
        """
        def f(x, c):
            if c:
                value = x
            else:
                items = []
                for v in x:
                    items.append(v)
                value = sum(items)
            y = value
            value_1 = c
            if not value_1:
                items_1 = []
                for v in x:
                    items_1.append(v > 0)
                value_1 = any(items_1)
            z = value_1
            return y + z
    """,
    )


def test_in_an_if_test_a_for_iterable_and_nested_functions():
    _same(
        _run(
            comprehensions,
            """
        def f(x):
            def g(v):
                return max(u * u for u in v)
            if all([u > 0 for u in x]):
                for r in [u + 1 for u in x]:
                    x = x + g(r)
            return x
    """,
        ),
        """
        def f(x):
            def g(v):
                items = []
                for u in v:
                    items.append(u * u)
                return max(items)
            items_1 = []
            for u in x:
                items_1.append(u > 0)
            if all(items_1):
                items_2 = []
                for u in x:
                    items_2.append(u + 1)
                for r in items_2:
                    x = x + g(r)
            return x
    """,
    )


def test_for_else_sets_a_flag_where_the_loop_breaks():
    _same(
        _run(
            loop_else,
            """
        def f(xs, t):
            for x in xs:
                for y in xs:
                    if y > x:
                        break
                if x > t:
                    break
            else:
                x = t
            return x
    """,
        ),
        """
        def f(xs, t):
            broke = False
            for x in xs:
                for y in xs:
                    if y > x:
                        break
                if x > t:
                    broke = True
                    break
            if not broke:
                x = t
            return x
    """,
    )


def test_while_else_without_break_just_follows_the_loop():
    _same(
        _run(
            loop_else,
            """
        def f(x):
            while x < 10:
                x = 2 * x
            else:
                x = x + 1
            return x
    """,
        ),
        """
        def f(x):
            while x < 10:
                x = 2 * x
            x = x + 1
            return x
    """,
    )


def test_a_nested_loops_else_clause_breaks_the_outer_loop():
    _same(
        _run(
            loop_else,
            """
        def f(xs):
            while True:
                for x in xs:
                    if x > 0:
                        break
                else:
                    break
                xs = xs - 1
            else:
                xs = 0
            return xs
    """,
        ),
        """
        def f(xs):
            while True:
                broke = False
                for x in xs:
                    if x > 0:
                        broke = True
                        break
                if not broke:
                    break
                xs = xs - 1
            return xs
    """,
    )


def test_while_true_that_starts_with_its_exit_test():
    _same(
        _run(
            loop_else,
            """
        def f(r):
            while True:
                if r < 1e-3:
                    break
                r = r / 2
            return r
    """,
        ),
        """
        def f(r):
            while not r < 1e-3:
                r = r / 2
            return r
    """,
    )


def test_loop_locals_marks_names_read_after_the_loop_without_changing_code():
    source = """
        def f(x, n):
            for i in range(n):
                y = x * i
                z = y + 1
            for z in range(2):
                x = x + z
            return y + i
    """
    node = gast.parse(textwrap.dedent(source)).body[0]
    out = loop_locals(node)
    first, second = out.body[0], out.body[1]
    assert first.read_after == {"i", "y"}  # z is bound again before it is read
    assert second.read_after == frozenset()
    _same(ast.unparse(gast.gast_to_ast(gast.Module(body=[out], type_ignores=[]))), source)
