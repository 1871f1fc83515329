"""Excel's worksheet functions, by family, merged into one table the compiler reads."""

from engines.functions import (
    aggregates,
    areas,
    arrays,
    bases,
    convert,
    criteria,
    engineering,
    info,
    localetext,
    logic,
    lookup,
    math,
    pivot,
    reference,
    rounding,
    scientific,
    shaping,
    text,
    textsearch,
    textsplit,
    valuetext,
)
from engines.functions.kernels import kernel_functions
from engines.functions.registry import Function

FUNCTIONS: dict[str, Function] = {
    **kernel_functions(),
    **aggregates.FUNCTIONS,
    **areas.FUNCTIONS,
    **arrays.FUNCTIONS,
    **bases.FUNCTIONS,
    **convert.FUNCTIONS,
    **engineering.FUNCTIONS,
    **criteria.FUNCTIONS,
    **info.FUNCTIONS,
    **logic.FUNCTIONS,
    **localetext.FUNCTIONS,
    **lookup.FUNCTIONS,
    **math.FUNCTIONS,
    **pivot.FUNCTIONS,
    **reference.FUNCTIONS,
    **rounding.FUNCTIONS,
    **scientific.FUNCTIONS,
    **shaping.FUNCTIONS,
    **text.FUNCTIONS,
    **textsearch.FUNCTIONS,
    **textsplit.FUNCTIONS,
    **valuetext.FUNCTIONS,
}
"""Upper-case Excel name -> Function; the engine's own families win over kernels."""
