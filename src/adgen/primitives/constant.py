"""Why each primitive may ignore an active operand: its derivative there is zero.

A primitive with no derivative rule for an operand (``differentiable=False``,
or a ``None`` rule) treats a value reaching that operand as a constant. That
is right only where the derivative in that operand is zero almost
everywhere; anything else must have a rule, or a rule that raises
:class:`~adgen.DifferentiationError` (``np.arange``'s start, ``polygamma``'s
order). ``tests/test_primitives_audit.py`` walks the table and fails for a
primitive that ignores an operand without an entry here.
"""

from __future__ import annotations

PIECEWISE = "piecewise constant: the derivative is zero almost everywhere"
TEST = "a comparison or test: a boolean result, zero derivative"
INTEGER = "an integer result (an index, a count): zero derivative"
SHAPE = "reads only the shape, size or dtype of that operand, never its values"
INDEX = "that operand is an index, a count or a shape: integers"
STRUCTURE = "holds non-differentiable values only (shapes, indices, tapes, conditions)"

CONSTANT_IN: dict[str, str] = {
    **dict.fromkeys(
        (
            "ceil",
            "floor",
            "rint",
            "round",
            "round_builtin",
            "trunc",
            "int",
            "int_ceil",
            "int_floor",
            "int_trunc",
            "sign",
            "floordiv",
            "slogdet_sign",
            "logsumexp_sign",
        ),
        PIECEWISE,
    ),
    **dict.fromkeys(
        (
            "eq",
            "ne",
            "lt",
            "le",
            "gt",
            "ge",
            "isfinite",
            "isinf",
            "isnan",
            "signbit",
            "logical_and",
            "logical_or",
            "logical_not",
            "logical_xor",
            "all",
            "any",
            "bool",
            "and_",
            "or_",
            "not_",
            "truth",
            "where",
        ),
        TEST,
    ),
    **dict.fromkeys(
        (
            "argmax",
            "argmin",
            "argsort",
            "count_nonzero",
            "lstsq_rank",
            "lu_factor_piv",
            "searchsorted",
        ),
        INTEGER,
    ),
    **dict.fromkeys(
        (
            "shape",
            "ndim",
            "size",
            "len",
            "zeros_like",
            "ones_like",
            "empty_like",
            "zero",
            "zeros_array",
            "full_like",
            "broadcast_like",
            "unbroadcast",
            "reshape_like",
            "expand_reduced",
            "row_adjoint",
            "alias_select",
            "scatter_add",
            "diag_adjoint",
            "diagonal_adjoint",
            "pad_adjoint",
            "repeat_adjoint",
            "tile_adjoint",
            "take_along_axis_adjoint",
            "join_part",
            "einsum_adjoint",
            "matmul_adjoint_a",
            "matmul_adjoint_b",
            "dot_adjoint_a",
            "dot_adjoint_b",
            "tensordot_adjoint_a",
            "tensordot_adjoint_b",
            "kron_adjoint_a",
            "kron_adjoint_b",
            "inner_adjoint_a",
            "inner_adjoint_b",
            "gradient_like",
            "require_shape",
            "diff_adjoint",
            "convolve_adjoint",
            "split_part_adjoint",
            "updated_in_place",
        ),
        SHAPE,
    ),
    **dict.fromkeys(
        (
            "zeros",
            "ones",
            "empty",
            "eye",
            "identity",
            "broadcast_to",
            "expand_dims",
            "full",
            "pad",
            "repeat",
            "reshape",
            "tile",
            "take_along_axis",
            "index_add",
            "row",
            "linspace",
            "lu_rows",
            "take",
            "take_adjoint",
            "arange",
        ),
        INDEX,
    ),
    **dict.fromkeys(
        ("make_list", "make_tuple", "make_range", "item", "tape_pop", "tape_push"), STRUCTURE
    ),
    **dict.fromkeys(
        (
            "print",
            "assert",
            "raise",
            "check_bound",
            "log_message",
            "warn",
            "fstring",
            "str_format",
            "str",
            "repr",
        ),
        "an effect, or the string it shows: never differentiated, it changes no value",
    ),
    **dict.fromkeys(
        (
            "list_item",
            "list_set",
            "list_slice",
            "list_item_adjoint",
            "list_slice_adjoint",
            "list_position",
            "list_insert_position",
        ),
        INDEX,
    ),
    **dict.fromkeys(("list_any", "list_all"), TEST),
    **dict.fromkeys(("list_argmin", "list_argmax"), INTEGER),
    **dict.fromkeys(
        ("list_zeros", "list_len", "list_sum_adjoint", "list_join_adjoint", "list_rows_adjoint"),
        SHAPE,
    ),
    "cho_factor_lower": "a flag (which triangle holds the factor), the constant argument "
    "lower of cho_factor",
    "lstsq_sv": "the singular values of a do not depend on b",
    "lu_solve": "its operand piv holds the pivots: integers",
    "cho_solve": "its operand lower is a flag (which triangle of c holds the factor)",
    "stop_gradient": "the point of stop_gradient: the user asks for a constant",
    "attr": "an attribute of an object that is not differentiated (an active value "
    "reaching it is refused by its rule)",
    **dict.fromkeys(
        ("batch_lift", "batch_like", "batch_unbroadcast", "batch_align", "batch_map"),
        "batched derivative code (adgen.transforms.batching) is never differentiated again",
    ),
}
