"""Excel's fractional dollar prices, DOLLARDE and DOLLARFR: securities quoted in sixteenths or
thirty-seconds of a dollar, written as 1.02 for 1 and 2/16.

The part after the decimal point is the numerator of a fraction over ``fraction`` truncated
to a whole number, read in tenths for denominators up to 10, hundredths up to 100, and so on
(1.02 with 16 is 1 and 2/16, 1.1 with 32 is 1 and 10/32). A negative price converts as its
magnitude does and keeps its sign. ``fraction`` below 0 is #NUM!, from 0 to 1 #DIV/0!.
"""

from __future__ import annotations

from collections.abc import Sequence

from engines.coerce import to_number_arg
from engines.errors import ExcelError
from engines.functions.registry import Call, Impl, Table, register
from engines.values import Value, merge_errors, number, with_error
from engines.xp import Array

FUNCTIONS: Table = {}


def _dollar(to_decimal: bool) -> Impl:
    """DOLLARDE (``to_decimal``) or DOLLARFR: the whole dollars kept, the rest rescaled from
    a decimal to a fraction of the denominator or back."""

    def impl(call: Call, args: Sequence[Value]) -> Value:
        xp = call.xp
        (price, price_err), (fraction, fraction_err) = (to_number_arg(xp, a) for a in args)
        denominator = xp.maximum(xp.trunc(fraction), 1.0)  # a fraction below 1 is an error
        places: Array = 10.0 ** xp.ceil(xp.log10(denominator))
        scale = places / denominator if to_decimal else denominator / places
        dollars = xp.trunc(price)
        out = dollars + (price - dollars) * scale
        err = merge_errors(xp, price_err, fraction_err)
        err = with_error(xp, err, fraction < 0.0, ExcelError.NUM)
        err = with_error(xp, err, fraction < 1.0, ExcelError.DIV0)
        return number(xp, out, with_error(xp, err, ~xp.isfinite(out), ExcelError.NUM))

    return impl


register(FUNCTIONS, "DOLLARDE", 2)(_dollar(to_decimal=True))
register(FUNCTIONS, "DOLLARFR", 2)(_dollar(to_decimal=False))
