"""Source to gast: read a function's source, parse it, resolve its names, and the fence.

:func:`parse_function` returns a :class:`ParsedFunction` holding the gast
``FunctionDef`` (a lambda is turned into one) and what is needed to resolve
the names it uses and to report errors at the right place in the user's file.
The fence: :func:`refuse_unsupported` rejects, before any lowering, what can
never be differentiated (generators, ``global``...), and the advice tables
say what to do instead for every statement and expression the lowerer lacks.
"""

from __future__ import annotations

import builtins
import inspect
import linecache
import os
import textwrap
from dataclasses import dataclass, field
from typing import Any

import gast

from ..errors import DifferentiationError, SourceNotFoundError, UnsupportedSyntaxError


@dataclass
class ParsedFunction:
    """A parsed function and its name-resolution context.

    ``line_offset``/``col_offset`` convert positions in the parsed (dedented)
    text into positions in ``filename``.
    """

    node: gast.FunctionDef
    filename: str
    line_offset: int
    col_offset: int
    lines: list[str]
    globals: dict[str, Any]
    closure: dict[str, Any] = field(default_factory=dict)
    name: str = ""
    # Module-level names the function read, and what they were bound to then.
    global_deps: dict[str, Any] = field(default_factory=dict)

    def lookup(self, name: str) -> tuple[bool, Any]:
        """Resolve a free name as Python would: closure, globals, builtins."""
        if name in self.closure:
            return True, self.closure[name]
        if name in self.globals:
            self.global_deps[name] = self.globals[name]
            return True, self.globals[name]
        if hasattr(builtins, name):
            return True, getattr(builtins, name)
        return False, None

    def error(self, node: Any, message: str) -> UnsupportedSyntaxError:
        """An UnsupportedSyntaxError located at ``node``."""
        lineno = getattr(node, "lineno", 1) or 1
        col = getattr(node, "col_offset", 0) or 0
        file_line = lineno + self.line_offset
        text = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return UnsupportedSyntaxError(
            message, self.filename, file_line, col + self.col_offset, text.rstrip()
        )

    def source_line(self, lineno: int) -> str:
        """The text of line ``lineno`` of the parsed source, stripped."""
        return self.lines[lineno - 1].strip() if 0 < lineno <= len(self.lines) else ""


def _closure_values(f: Any) -> dict[str, Any]:
    code = f.__code__
    out: dict[str, Any] = {}
    for name, cell in zip(code.co_freevars, f.__closure__ or ()):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # an empty cell: the name is not bound yet
            pass
    return out


def _get_source(f: Any) -> tuple[str, str, int]:
    """(source text, filename, first line number) of ``f``.

    Read from ``f``'s own code object: ``inspect`` would follow ``__wrapped__``
    (``functools.wraps``) to the wrapped function's source, and a wrapper that
    changes the value would then be differentiated as the function it wraps.
    """
    code = f.__code__
    filename = inspect.getsourcefile(code) or code.co_filename
    try:
        lines, first = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        raise _no_source(f) from exc
    return "".join(lines), filename, max(first, 1)


def _no_source(f: Any) -> SourceNotFoundError:
    return SourceNotFoundError(
        f"adgen cannot read the source of {getattr(f, '__qualname__', f)!r} "
        f"(defined in {f.__code__.co_filename!r}): it reads and transforms a "
        "function's source, which Python does not keep for functions typed at the "
        "plain interactive prompt or built with exec(). Define the function in a "
        ".py file (or a Jupyter/IPython cell) and import or run it from there."
    )


def _find_lambda(tree: gast.AST, f: Any, p_error: Any) -> gast.Lambda:
    code = f.__code__
    params = list(code.co_varnames[: code.co_argcount])
    found = [
        n
        for n in gast.walk(tree)
        if isinstance(n, gast.Lambda) and [a.id for a in n.args.args] == params
    ]
    if len(found) != 1:
        raise p_error(
            tree,
            "cannot tell which lambda on this line to differentiate; "
            "give it a name with def instead",
        )
    return found[0]


#: adgen's own source directory: its functions are never parsed as a user's.
_OWN = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _refuse_own(f: Any) -> None:
    """Refuse a function of adgen itself (a derivative wrapper that slipped through):
    its source is adgen's machinery, and an error pointing into it would help no one."""
    filename = os.path.abspath(f.__code__.co_filename)
    if filename.startswith(_OWN):
        raise DifferentiationError(
            f"{getattr(f, '__qualname__', f)!r} is part of adgen "
            f"({getattr(f, '__module__', 'adgen')}), not a function adgen can differentiate "
            "from its source; differentiate your own function (adgen.grad, jvp, vjp, "
            "jacobian and hessian objects are differentiated through what they compute)"
        )


def parse_function(f: Any) -> ParsedFunction:
    """Parse the source of the Python function ``f`` into gast."""
    if not inspect.isfunction(f):
        raise TypeError(f"adgen differentiates Python functions, not {type(f).__name__}")
    _refuse_own(f)
    text, filename, first = _get_source(f)
    dedented = textwrap.dedent(text)
    indent = len(text.splitlines()[0]) - len(dedented.splitlines()[0]) if text.strip() else 0
    lines = dedented.splitlines()
    try:
        tree = gast.parse(dedented)
    except SyntaxError:
        # A lambda in the middle of an expression that spans lines: parse the
        # whole statement isn't possible, so ask for a def.
        if f.__name__ == "<lambda>":
            tree = None
        else:
            raise
    parsed = ParsedFunction(
        node=None,  # type: ignore[arg-type]
        filename=filename,
        line_offset=first - 1,
        col_offset=indent,
        lines=lines,
        globals=f.__globals__,
        closure=_closure_values(f),
        name=f.__name__,
    )
    if tree is None:
        raise parsed.error(None, "cannot parse the source of this lambda; define it with def")
    if f.__name__ == "<lambda>":
        lam = _find_lambda(tree, f, parsed.error)
        node = gast.FunctionDef(
            name="lambda_",
            args=lam.args,
            body=[gast.Return(value=lam.body)],
            decorator_list=[],
            returns=None,
            type_comment=None,
            type_params=[],
        )
        gast.copy_location(node, lam)
        node.body[0].lineno = lam.lineno
        node.body[0].col_offset = lam.col_offset
        parsed.name = "lambda_"
    else:
        defs = [n for n in tree.body if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef))]
        if filename.startswith("<") and (not defs or defs[0].name != f.__name__):
            # A pseudo-file ("<string>" of exec) whose cached text is some other code:
            # differentiating that text would differentiate the wrong function.
            raise _no_source(f)
        if not defs:
            raise parsed.error(
                tree.body[0] if tree.body else None,
                f"expected a function definition for {f.__name__!r}",
            )
        node = defs[0]
        if isinstance(node, gast.AsyncFunctionDef):
            raise parsed.error(node, "async functions cannot be differentiated")
    parsed.node = node
    return parsed


def register_source(filename: str, text: str) -> None:
    """Make generated ``text`` visible to tracebacks, pdb and inspect under ``filename``."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)


def refuse_unsupported(parsed: ParsedFunction) -> None:
    """Generators, coroutines and writes to outer scopes cannot be differentiated: say so
    at the yield, await, global or nonlocal, wherever it is (nested functions too)."""
    for n in gast.walk(parsed.node):
        if isinstance(n, (gast.Yield, gast.YieldFrom, gast.Await)):
            raise parsed.error(n, unsupported(n))
        if isinstance(n, (gast.Global, gast.Nonlocal)):
            raise parsed.error(n, unsupported(n))


_STATEMENT_ADVICE = {
    "Try": "try/except is not supported: check inputs before calling the derivative",
    "With": "with-blocks are not supported: move the context manager outside the function",
    "Global": "global declarations are not supported: pass the value as an argument",
    "Nonlocal": "nonlocal declarations are not supported: pass the value as an argument",
    "ClassDef": "class definitions inside a differentiated function are not supported",
    "Delete": "del is not supported: simply stop using the name",
    "Raise": "raise is not supported inside a differentiated function: validate inputs "
    "before calling it",
    "Assert": "assert is not supported inside a differentiated function: validate inputs "
    "before calling it",
    "Import": "import inside the function is not supported: import at module level",
    "ImportFrom": "import inside the function is not supported: import at module level",
    "AsyncFunctionDef": "async functions cannot be differentiated",
    "AsyncFor": "async for cannot be differentiated",
    "AsyncWith": "async with cannot be differentiated",
    "Match": "match statements are not supported: use if/elif",
}


_EXPRESSION_ADVICE = {
    "Yield": "generators cannot be differentiated: build a list or array instead",
    "YieldFrom": "generators cannot be differentiated: build a list or array instead",
    "Await": "async code cannot be differentiated",
    "ListComp": "list comprehensions are not supported: use a for loop or a NumPy expression",
    "GeneratorExp": "generator expressions are not supported: use a NumPy expression",
    "SetComp": "set comprehensions are not supported",
    "DictComp": "dict comprehensions are not supported",
    "NamedExpr": "the walrus operator := is not supported: use a separate assignment",
    "JoinedStr": "f-strings are not supported inside a differentiated function",
}


def unsupported(node: gast.AST) -> str:
    """Why a statement or expression the lowerer lacks is refused, and what to do."""
    kind = type(node).__name__
    if isinstance(node, gast.stmt):
        return _STATEMENT_ADVICE.get(kind, f"the statement {kind} is not supported yet")
    return _EXPRESSION_ADVICE.get(kind, f"the expression {kind} is not supported yet")
