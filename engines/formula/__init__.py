"""Excel formula language: tokenizer, parser and syntax tree."""

from engines.formula.parser import parse
from engines.formula.tokens import FormulaSyntaxError

__all__ = ["FormulaSyntaxError", "parse"]
