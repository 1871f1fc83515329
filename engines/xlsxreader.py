"""openpyxl's reader, with the few decodings Excel's file format needs that it gets wrong.

* Shared strings keep the file's ``_xHHHH_`` escapes, decoded once by
  :func:`engines.workbook.cell_value`: openpyxl turns ``_x005F_x0001_`` (the text "_x0001_")
  into ``_x0001_``, which then reads as the control character U+0001.
* Numbers in date-formatted cells stay serial numbers: a Python date cannot hold serial 60,
  Excel's 29 February 1900, which openpyxl reads as 28 February (serial 59).
* Cached errors newer than the file format are read from their rich value: xlsx caches
  #CALC! and #SPILL! as #VALUE!, with the real error in ``xl/metadata.xml``.
"""

from __future__ import annotations

import io
import re
from zipfile import ZipFile

import openpyxl
from openpyxl.cell.text import Text
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import WINDOWS_EPOCH
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring, iterparse

from engines.errors import ExcelError

RICH_ERRORS = {8: ExcelError.SPILL, 13: ExcelError.CALC}
"""Rich-value ``errorType`` codes the cached ``#VALUE!`` stands for: ERROR.TYPE's number less
one (files hold 2 for #VALUE!, 6 for #N/A, 13 for #CALC!)."""
_MAIN = f"{{{SHEET_MAIN_NS}}}"
_RICH = "{http://schemas.microsoft.com/office/spreadsheetml/2017/richdata}"
_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?\bvm="([0-9]+)"')


class _Reader(ExcelReader):  # type: ignore[misc]
    rich_errors: dict[tuple[str, str], ExcelError]

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is None:
            return
        strings: list[str] = []
        with self.archive.open(part.PartName[1:]) as src:
            for _, node in iterparse(src):
                if node.tag == f"{_MAIN}si":
                    strings.append(Text.from_tree(node).content)
                    node.clear()
        self.shared_strings = strings

    def read_worksheets(self) -> None:
        if self.wb.epoch == WINDOWS_EPOCH:
            self.wb._date_formats = set()
            self.wb._timedelta_formats = set()
        super().read_worksheets()
        self.rich_errors = {}
        if not self.data_only:
            return
        errors = _value_metadata_errors(self.archive)
        if not errors:
            return
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files:
                for ref, index in _CELL.findall(self.archive.read(rel.target)):
                    error = errors.get(int(index))
                    if error is not None:
                        self.rich_errors[(sheet.name, ref.decode())] = error


def read_book(
    data: bytes, data_only: bool = False
) -> tuple[openpyxl.Workbook, dict[tuple[str, str], ExcelError]]:
    """The workbook as openpyxl reads it, with the decodings above, and (with ``data_only``)
    the cached errors that rich values correct, by (sheet, cell reference)."""
    reader = _Reader(io.BytesIO(data), read_only=False, keep_vba=False, data_only=data_only,
                     keep_links=True)
    reader.read()
    return reader.wb, reader.rich_errors


def _value_metadata_errors(archive: ZipFile) -> dict[int, ExcelError]:
    """Per 1-based ``vm`` index of ``xl/metadata.xml``, the newer error it records."""
    names = set(archive.namelist())
    parts = ("xl/metadata.xml", "xl/richData/rdrichvalue.xml",
             "xl/richData/rdrichvaluestructure.xml")
    if not all(p in names for p in parts):
        return {}
    meta, values, structures = (fromstring(archive.read(p)) for p in parts)
    keys = [[k.get("n") for k in s.iter(f"{_RICH}k")] for s in structures.iter(f"{_RICH}s")]
    kinds = [s.get("t") for s in structures.iter(f"{_RICH}s")]
    codes: list[int | None] = []
    for rv in values.iter(f"{_RICH}rv"):
        shape = int(rv.get("s", "0"))
        fields = dict(zip(keys[shape], (v.text for v in rv.iter(f"{_RICH}v")), strict=False))
        code = fields.get("errorType") if kinds[shape] == "_error" else None
        codes.append(int(code) if code and code.isdigit() else None)
    types = [t.get("name") for t in meta.iter(f"{_MAIN}metadataType")]
    future = [
        int(rvb.get("i", "-1"))
        for block in meta.iter(f"{_MAIN}futureMetadata") if block.get("name") == "XLRICHVALUE"
        for rvb in block.iter(f"{_RICH}rvb")
    ]
    errors: dict[int, ExcelError] = {}
    value_blocks = next(meta.iter(f"{_MAIN}valueMetadata"), None)
    for index, bk in enumerate([] if value_blocks is None else value_blocks, start=1):
        for rc in bk.iter(f"{_MAIN}rc"):
            kind, at = int(rc.get("t", "0")), int(rc.get("v", "-1"))
            if not (0 < kind <= len(types) and types[kind - 1] == "XLRICHVALUE"):
                continue
            rich = future[at] if 0 <= at < len(future) else -1
            error_type = codes[rich] if 0 <= rich < len(codes) else None
            if error_type in RICH_ERRORS:
                errors[index] = RICH_ERRORS[error_type]
    return errors
