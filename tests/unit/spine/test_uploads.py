from collections.abc import AsyncIterator

import pytest

from app.uploads import FilePart, UploadError, stream_file_part

BOUNDARY = "xyzBOUNDARY"


def multipart(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    body = b""
    for name, filename, content in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += (f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n"
                 f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


async def chunked(data: bytes, size: int) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


async def collect(body: bytes, content_type: str, size: int = 7) -> tuple[bytes, FilePart]:
    part = FilePart()
    out = b""
    async for chunk in stream_file_part(content_type, chunked(body, size), part):
        out += chunk
    return out, part


async def test_the_file_part_streams_out_whatever_the_chunking() -> None:
    payload = bytes(range(256)) * 40
    body = multipart([("note", None, b"ignored"), ("file", "model.xlsx", payload)])
    for size in (1, 7, 4096):
        data, part = await collect(body, f"multipart/form-data; boundary={BOUNDARY}", size)
        assert data == payload
        assert part.filename == "model.xlsx" and part.found


async def test_a_body_without_a_file_field_or_not_multipart_is_refused() -> None:
    with pytest.raises(UploadError, match="no 'file' field"):
        await collect(multipart([("other", "a.xlsx", b"x")]),
                      f"multipart/form-data; boundary={BOUNDARY}")
    with pytest.raises(UploadError, match="multipart/form-data"):
        await collect(b"{}", "application/json")
