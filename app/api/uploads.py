"""Streaming a multipart upload's file part straight to the blob store, counting bytes as they
arrive, so an oversized file is refused without ever being buffered whole."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from streams.text import text_problem

MAX_FILENAME = 255
HOW = "send the workbook as multipart/form-data with a 'file' field"
FILENAME = ("body", "file", "filename")
# control characters, line separators and bidirectional controls: a name holding them shows
# otherwise than it is ("\u202egnp.xlsx" reads as "xlsx.png") or breaks the lines it is shown in
UNSHOWN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


class UploadError(ValueError):
    """The request is not a multipart upload with a ``file`` part, or its file name cannot be
    recorded; ``loc`` names the field."""

    def __init__(self, message: str, loc: tuple[str, ...] = ("body", "file")) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class UploadLimit:
    """The largest file a tenant may upload, and where that limit comes from."""

    size: int
    source: str

    def refusal(self) -> str:
        return f"the workbook is larger than {self.size} bytes, {self.source}"


def upload_limit(plan: str, plan_limit: int | None, server_cap: int) -> UploadLimit:
    """The smaller of the plan's ``file_size_bytes`` (with the tenant's overrides; None is
    unlimited) and the server-wide ``max_upload_bytes``, saying which one applies."""
    if plan_limit is not None and plan_limit <= server_cap:
        return UploadLimit(plan_limit, f"the file size limit of this tenant's {plan} plan")
    allowed = "sets no limit" if plan_limit is None else f"allows {plan_limit} bytes"
    return UploadLimit(server_cap, f"this server's upload cap (max_upload_bytes); the {plan}"
                       f" plan itself {allowed}")


def stored_filename(sent: str) -> str:
    """The name a workbook is recorded under: the last part of the name sent, as a client may
    send a path (``C:\\models\\npv.xlsx``, ``../npv.xlsx``); UploadError for a name that cannot
    be stored or shown as it is, or that is empty without its folders."""
    why = text_problem(sent, MAX_FILENAME)
    if why is None and (found := UNSHOWN.search(sent)) is not None:
        why = (f"contains the control character \\u{ord(found.group()):04x} at position"
               f" {found.start()}; send the name as it is shown, without control or"
               " bidirectional formatting characters")
    if why:
        raise UploadError(f"the file name {why}", FILENAME)
    name = re.split(r"[/\\]", sent)[-1].strip()
    if name in ("", ".", ".."):
        raise UploadError(f"the file name {sent!r} names no file (it is empty, or only"
                          " folders); send the workbook's own name, such as model.xlsx",
                          FILENAME)
    return name


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field_name: bytes = b""
    filename: str | None = None


@dataclass
class FilePart:
    """The streamed ``file`` part: its name once headers are read, and its bytes as they come."""

    filename: str | None = None
    content_type: str | None = None
    found: bool = False


def stream_file_part(content_type: str | None, body: AsyncIterator[bytes],
                     part: FilePart, field_name: str = "file") -> AsyncIterator[bytes]:
    """The bytes of the multipart field ``field_name`` from the raw request ``body``."""
    ctype, params = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError(HOW)
    wanted = field_name.encode()
    current = _Part()
    header: list[bytes] = [b"", b""]
    pending: list[bytes] = []

    def on_part_begin() -> None:
        nonlocal current
        current = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header[0] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header[1] += data[start:end]

    def on_header_end() -> None:
        current.headers[header[0].lower()] = header[1]
        header[0], header[1] = b"", b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(current.headers.get(b"content-disposition", b""))
        current.field_name = disp.get(b"name", b"")
        if current.field_name == wanted:
            part.found = True
            raw = disp.get(b"filename")  # refused, if it is, before a byte of the file is stored
            part.filename = None if raw is None else stored_filename(raw.decode("utf-8",
                                                                                 "replace"))
            ct = current.headers.get(b"content-type")
            part.content_type = ct.decode("latin-1") if ct else None

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if current.field_name == wanted:
            pending.append(bytes(data[start:end]))

    try:
        parser = MultipartParser(params[b"boundary"], {
            "on_part_begin": on_part_begin, "on_header_field": on_header_field,
            "on_header_value": on_header_value, "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        })
    except FormParserError as exc:  # a boundary the parser cannot take (over 256 bytes)
        raise UploadError(f"the multipart boundary is unusable: {exc}") from None

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in body:
                parser.write(chunk)
                while pending:
                    yield pending.pop(0)
            parser.finalize()
        except FormParserError as exc:
            raise UploadError(f"the multipart body is malformed: {exc}; {HOW}") from None
        while pending:
            yield pending.pop(0)
        if not part.found:
            raise UploadError("the multipart body has no 'file' field")

    return chunks()
