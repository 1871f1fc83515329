"""Calling numeric kernels (engines.kernels) per their contract in engines.kernels.spec.

The financial, date and statistical kernel tables are picked up when their modules exist;
a missing module simply leaves its functions unsupported.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

import numpy as np

from engines.coerce import to_bool, to_number, to_number_arg, to_text
from engines.errors import ExcelError
from engines.functions.collect import first_error, flat, is_range, numbers
from engines.functions.registry import TOOLPAK, Call, Function, Impl, Table
from engines.kernels.spec import Arg, Kernel
from engines.values import BOOL, Value, error, kinds, merge_errors, number, with_error
from engines.xp import Array

KERNEL_MODULES = ("financial", "dates", "statistical", "stattests")
ALL_VALUES = frozenset({"AVERAGEA", "STDEVA", "STDEVPA", "VARA", "VARPA", "MAXA", "MINA"})


def _numeric_arg(
    call: Call, value: Value, strict: bool, logical: bool
) -> tuple[Array, Array | None]:
    """A number per trial; a LOGICAL parameter reads "TRUE"/"FALSE" text (any case) as 1/0
    and rejects other text, numeric text included."""
    xp = call.xp
    if logical:
        flags, err = to_bool(xp, value)
        num = xp.where(flags, 1.0, 0.0)
        if value.area is not None and strict:
            err = with_error(xp, err, kinds(xp, value) == BOOL, ExcelError.VALUE)
    else:
        num, err = (to_number_arg if strict else to_number)(xp, value)
    num = xp.broadcast_to(num, value.shape)
    return num[:, 0, 0], None if err is None else xp.broadcast_to(err, value.shape)[:, 0, 0]


def _values_arg(
    call: Call, values: Sequence[Value], all_values: bool, strict: bool
) -> tuple[Array, Array | None]:
    """(k, t) numbers, NaN where Excel skips the entry; per-trial first error.

    ``all_values`` is the A-suffixed functions' rule: text counts as 0, booleans as 0/1;
    ``strict`` the Analysis ToolPak one: a boolean in a range is #VALUE! (XIRR).
    """
    xp = call.xp
    found = numbers(xp, values, count_logical=all_values, count_text=all_values)
    err = found.err
    if strict:
        for value in values:
            if is_range(value):
                has_bool = (kinds(xp, flat(xp, value)) == BOOL).any(axis=(1, 2))
                err = with_error(xp, err, has_bool, ExcelError.VALUE)
    return xp.where(found.counted, found.values, xp.nan).T, err


def _pairwise_error(xp: ModuleType, first: Value, second: Value) -> Array | None:
    """Per trial, the error of the first pair holding one (the first range's entry first).

    #NULL! is code 0 in Excel's own numbering, and these functions test a code for truth: a
    #NULL! entry is not reported, and one in the first range drops its whole pair, the second
    range's entry unread (CORREL({#NULL!,#NUM!},{#REF!,1}) is #NUM!).
    """
    if first.err is None and second.err is None:
        return None
    codes = []
    for value in (first, second):
        block = flat(xp, value)
        codes.append(xp.zeros(block.num.shape, dtype=xp.int8) if block.err is None else block.err)
    trials = max(codes[0].shape[0], codes[1].shape[0])
    count = codes[0].shape[-1]
    firsts, seconds = (xp.broadcast_to(c, (trials, 1, count))[:, 0, :] for c in codes)
    null = int(ExcelError.NULL)
    seconds = xp.where((firsts == null) | (seconds == null), 0, seconds)
    firsts = xp.where(firsts == null, 0, firsts)
    return first_error(xp, xp.stack([firsts, seconds], axis=-1).reshape(trials, 2 * count))


def adapt(kernel: Kernel, all_values: bool = False, strict: bool = False) -> Impl:
    """The function implementation that coerces arguments and calls ``kernel``.

    Excel reports an error in a one-value argument before one inside a range argument, and
    the kernel's ``checks`` and ``paired`` rules before both (see engines.kernels.spec).
    ``strict`` is the Analysis ToolPak rule (registry.TOOLPAK): a boolean read from a cell
    is #VALUE!.
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
                values, err = _values_arg(call, group, all_values, strict)
                range_errors.append(err)
                passed.append(values)
                continue
            elif kind == Arg.TEXT:
                values, err = str(to_text(xp, group[0]).reshape(-1)[0]), group[0].err
                err = None if err is None else err[:, 0, 0]
            else:
                if is_range(group[0]) and group[0].grid != (1, 1):
                    return error(xp, ExcelError.VALUE)
                values, err = _numeric_arg(call, group[0], strict, kind == Arg.LOGICAL)
            passed.append(values)
            errors.append(err)
        if kernel.paired:
            ranges = [a for a, kind in zip(args, kinds, strict=False) if kind == Arg.VALUES]
            sizes = {r.grid[0] * r.grid[1] for r in ranges}
            # the kernel reports different sizes as #N/A, before any error inside the ranges
            range_errors = [None if len(sizes) > 1 else _pairwise_error(xp, *ranges)]
        if kernel.range_error is not None:
            code = xp.int8(int(kernel.range_error))
            range_errors = [None if e is None else xp.where(e != 0, code, e) for e in range_errors]
        first: list[Array | None] = []
        for check in kernel.checks:
            if check.position < len(args):
                index = check.position
                first.append(errors[index])
                bad = check.invalid(xp, xp.asarray(passed[index]))
                first.append(xp.where(bad, xp.int8(int(check.code)), xp.int8(0)).astype(xp.int8))
        defaults = kernel.defaults[max(len(args) - kernel.min_args, 0) :]
        with _quiet():
            result = kernel.fn(xp, *passed, *defaults)
        codes: Array | None = None
        if isinstance(result, tuple):
            result, codes = result
        out = xp.asarray(result, dtype=xp.float64).reshape(-1, 1, 1)
        err = merge_errors(
            xp,
            *[None if e is None else e.reshape(-1, 1, 1) for e in first + errors + range_errors],
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
            impl = adapt(kernel, name in ALL_VALUES, name in TOOLPAK)
            table[name] = Function(impl, kernel.min_args, top, ranges)
    return table
