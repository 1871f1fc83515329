from collections.abc import AsyncIterator

import pytest

from app.api.uploads import FilePart, UploadError, stream_file_part, upload_limit

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


async def test_a_file_name_that_cannot_be_recorded_is_refused_before_its_bytes() -> None:
    for name in ("a\x00b.xlsx", "x" * 256 + ".xlsx"):
        body = multipart([("file", name, b"bytes")])
        with pytest.raises(UploadError) as refused:
            await collect(body, f"multipart/form-data; boundary={BOUNDARY}")
        assert refused.value.loc == ("body", "file", "filename")
        assert "the file name" in str(refused.value)


def test_the_upload_limit_is_the_smaller_of_plan_and_server_and_says_which() -> None:
    plan = upload_limit("free", 2000, 1_000_000)
    assert plan.size == 2000
    assert plan.refusal() == ("the workbook is larger than 2000 bytes, the file size limit of"
                              " this tenant's free plan")
    server = upload_limit("pro", 200_000_000, 1_000_000)
    assert server.size == 1_000_000
    assert "this server's upload cap (max_upload_bytes)" in server.refusal()
    assert "the pro plan itself allows 200000000 bytes" in server.refusal()
    assert "the enterprise plan itself sets no limit" in \
        upload_limit("enterprise", None, 1_000_000).refusal()
