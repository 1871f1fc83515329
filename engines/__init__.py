"""RiskStream's workbook engine: reading, compiling and simulating Excel workbooks.

Formulas recurse through the parser, the compiler and the evaluation a few frames per level of
nesting (parentheses, function calls, signs); Excel allows 64 levels of nested functions, and
the parser takes up to ``engines.formula.parser.MAX_NESTING`` (400), which needs about 2,000
frames where Python allows 1,000 by default. Chains of operators (=A1+A2+…+An) nest no deeper
however long they are: they are parsed, compiled and run in loops. The limit is raised to
10,000 frames: calls between Python functions take no C stack (Python 3.11 and later), and
what recurses in C with the limit (JSON, repr, comparisons) was measured to stay well within a
thread's 8 MB stack at 40,000 levels.
"""

import sys

_FRAMES = 10_000
if sys.getrecursionlimit() < _FRAMES:
    sys.setrecursionlimit(_FRAMES)
