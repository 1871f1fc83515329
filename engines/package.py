"""A workbook package checked against its limits while it inflates, before any parser loads it.

A zip entry is trusted only as far as it has been inflated: its sizes are counted as it
decompresses (the sizes its headers state are not believed), its XML streams through expat
with DTDs refused, and worksheets are counted cell by cell. The check stops at the first limit
passed, so a bomb costs what the limit allows, never what it claims or what it would grow to.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

from engines.limits import MB, Budget, WorkbookError, WorkbookLimits, within
from engines.partxml import SheetNames, part_parser

CHUNK = 16 * 1024
RATIO_FROM = MB
"""Inflated bytes of one entry from which its compression ratio is held to the limit: small
parts (styles, a theme) compress far better than any sheet, and cost nothing."""
_FIRST = ("xl/workbook.xml", "xl/_rels/workbook.xml.rels")  # sheet names, before the sheets


def check_package(data: bytes, limits: WorkbookLimits) -> None:
    """Raise WorkbookTooLarge at the first limit ``data`` passes, and WorkbookError when it
    is not a zip package of well-formed XML free of DTDs."""
    within(limits.file_bytes, "file_bytes", len(data))
    source = _Source(data)
    try:
        package = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(f"not a readable .xlsx workbook: {exc}") from exc
    with package:
        entries = package.infolist()
        within(limits.entries, "entries", len(entries))
        budget, names = Budget(limits), SheetNames()
        for entry in sorted(entries, key=lambda e: e.filename not in _FIRST):
            _check_entry(package, source, entry, budget, names)


class _Source(io.BytesIO):
    """The package's bytes, counting what is read of them: an entry's compression ratio is
    what it has inflated to over the compressed bytes consumed so far."""

    consumed = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def _check_entry(package: zipfile.ZipFile, source: _Source, entry: zipfile.ZipInfo,
                 budget: Budget, names: SheetNames) -> None:
    where = names.of(entry.filename)
    parser: expat.XMLParserType | None = None
    ratio = budget.limits.compression_ratio
    inflated, start = 0, source.consumed
    for chunk in _inflated(package, entry):
        if not inflated and _is_xml(chunk):  # by its content: a part's name may lie
            parser = part_parser(entry.filename, where, budget, names)
        inflated += len(chunk)
        budget.add_bytes(len(chunk))
        if inflated > RATIO_FROM:
            compressed = max(source.consumed - start, 1)
            within(ratio, "compression_ratio", inflated // compressed, where)
        if parser is not None:
            parser = _parsed(parser, chunk)
    if parser is not None:
        _parsed(parser, b"", final=True)


def _inflated(package: zipfile.ZipFile, entry: zipfile.ZipInfo) -> Iterator[bytes]:
    try:
        with package.open(entry) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError,
            OSError, EOFError) as exc:  # corrupt, encrypted, or an unknown compression
        raise WorkbookError(f"not a readable .xlsx workbook: {entry.filename}: {exc}") from exc


def _is_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or head.startswith(
        (b"\xff\xfe", b"\xfe\xff"))


def _parsed(parser: expat.XMLParserType, chunk: bytes, final: bool = False
            ) -> expat.XMLParserType | None:
    """The parser, fed ``chunk``; None once the part proves not to be well-formed XML: then
    openpyxl cannot read it either, and refuses the file itself if it needs that part."""
    try:
        parser.Parse(chunk, final)
    except expat.ExpatError:
        return None
    return parser
