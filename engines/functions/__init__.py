"""Excel's worksheet functions, by family, merged into one table the compiler reads."""

from engines.functions import (
    aggregates,
    arrays,
    bases,
    convert,
    criteria,
    engineering,
    info,
    logic,
    lookup,
    math,
    reference,
    rounding,
    text,
    textsearch,
    valuetext,
)
from engines.functions.kernels import kernel_functions
from engines.functions.registry import Function

FUNCTIONS: dict[str, Function] = {
    **kernel_functions(),
    **aggregates.FUNCTIONS,
    **arrays.FUNCTIONS,
    **bases.FUNCTIONS,
    **convert.FUNCTIONS,
    **engineering.FUNCTIONS,
    **criteria.FUNCTIONS,
    **info.FUNCTIONS,
    **logic.FUNCTIONS,
    **lookup.FUNCTIONS,
    **math.FUNCTIONS,
    **reference.FUNCTIONS,
    **rounding.FUNCTIONS,
    **text.FUNCTIONS,
    **textsearch.FUNCTIONS,
    **valuetext.FUNCTIONS,
}
"""Upper-case Excel name -> Function; the engine's own families win over kernels."""
