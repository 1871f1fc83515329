"""Calling numeric kernels (engines.kernels) per their contract in engines.kernels.spec.

The financial, date and statistical kernel tables are picked up when their modules exist;
a missing module simply leaves its functions unsupported.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import numpy as np

from engines.coerce import to_number, to_text
from engines.errors import ExcelError
from engines.functions.collect import is_range, numbers
from engines.functions.registry import Call, Function, Impl, Table
from engines.kernels.spec import Arg, Kernel
from engines.values import Value, error, merge_errors, number, with_error
from engines.xp import Array

KERNEL_MODULES = ("financial", "dates", "statistical")
VOLATILE = frozenset({"NOW", "TODAY"})
ALL_VALUES = frozenset({"AVERAGEA", "STDEVA", "STDEVPA", "VARA", "VARPA", "MAXA", "MINA"})


def _numeric_arg(call: Call, value: Value) -> tuple[Array, Array | None]:
    """A number per trial; "TRUE"/"FALSE" text reads as 1/0 (Excel's logical parameters)."""
    xp = call.xp
    if value.text is not None:
        upper = np.vectorize(str.upper, otypes=[object])(value.text)
        logical = (upper == "TRUE") | (upper == "FALSE")
        if logical.any():
            flags = np.where(upper == "TRUE", "1", np.where(upper == "FALSE", "0", value.text))
            value = Value(value.num, value.err, value.kind, flags)
    num, err = to_number(xp, value)
    return num[:, 0, 0], None if err is None else err[:, 0, 0]


def _values_arg(
    call: Call, values: Sequence[Value], all_values: bool
) -> tuple[Array, Array | None]:
    """(k, t) numbers, NaN where Excel skips the entry; per-trial first error.

    ``all_values`` is the A-suffixed functions' rule: text counts as 0, booleans as 0/1.
    """
    xp = call.xp
    found = numbers(xp, values, count_logical=all_values, count_text=all_values)
    return xp.where(found.counted, found.values, xp.nan).T, found.err


def adapt(kernel: Kernel, all_values: bool = False) -> Impl:
    """The function implementation that coerces arguments and calls ``kernel``.

    Excel reports an error in a one-value argument before one inside a range argument.
    """

    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        kinds = list(kernel.args)
        if kernel.variadic and len(args) > len(kinds):
            kinds += [kinds[-1]] * (len(args) - len(kinds))
        if kernel.variadic and kinds[-1] == Arg.VALUES:
            fixed = len(kernel.args) - 1
            groups: list[Sequence[Value]] = [[a] for a in args[:fixed]] + [args[fixed:]]
            kinds = kinds[: fixed + 1]
        else:
            groups = [[a] for a in args]
        passed: list[object] = []
        errors: list[Array | None] = []
        range_errors: list[Array | None] = []
        for kind, group in zip(kinds, groups, strict=False):
            if kind == Arg.VALUES:
                values, err = _values_arg(call, group, all_values)
                range_errors.append(err)
                passed.append(values)
                continue
            elif kind == Arg.TEXT:
                values, err = str(to_text(xp, group[0]).reshape(-1)[0]), group[0].err
                err = None if err is None else err[:, 0, 0]
            else:
                if is_range(group[0]) and group[0].grid != (1, 1):
                    return error(xp, ExcelError.VALUE)
                values, err = _numeric_arg(call, group[0])
            passed.append(values)
            errors.append(err)
        defaults = kernel.defaults[max(len(args) - kernel.min_args, 0) :]
        with _quiet():
            result = kernel.fn(xp, *passed, *defaults)
        codes: Array | None = None
        if isinstance(result, tuple):
            result, codes = result
        out = xp.asarray(result, dtype=xp.float64).reshape(-1, 1, 1)
        err = merge_errors(
            xp, *[None if e is None else e.reshape(-1, 1, 1) for e in errors + range_errors]
        )
        if codes is not None:
            err = merge_errors(xp, err, xp.asarray(codes, dtype=xp.int8).reshape(-1, 1, 1))
        return number(xp, out, with_error(xp, err, ~xp.isfinite(out), kernel.nan_error))

    return impl


def _quiet() -> np.errstate:
    return np.errstate(all="ignore")


def kernel_functions() -> Table:
    """Every kernel available now, as registry entries (VALUES positions take ranges)."""
    table: Table = {}
    for module_name in KERNEL_MODULES:
        try:
            module = importlib.import_module(f"engines.kernels.{module_name}")
        except (ImportError, SyntaxError):
            # a kernel family that is absent or cannot load leaves its functions unsupported
            continue
        for name, kernel in getattr(module, "KERNELS", {}).items():
            ranges = frozenset(i for i, kind in enumerate(kernel.args) if kind == Arg.VALUES)
            if kernel.variadic and kernel.args[-1] == Arg.VALUES:
                ranges = frozenset(range(len(kernel.args) - 1, 255)) | ranges
            top = None if kernel.variadic else len(kernel.args)
            volatile = name in VOLATILE
            impl = adapt(kernel, all_values=name in ALL_VALUES)
            table[name] = Function(impl, kernel.min_args, top, ranges, volatile=volatile)
    return table
