"""POST /v1/workbooks streams the file to the blob store and records ``workbook.uploaded``."""

from __future__ import annotations

import zipfile
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse

from app.auth import Ctx, Tenant
from app.commands import execute
from app.uploads import FilePart, UploadError, stream_file_part
from infra.blobstore import BlobTooLarge
from streams.catalogue import new_event
from streams.envelope import new_id

router = APIRouter(prefix="/v1/workbooks", tags=["workbooks"])
XLSX_HINT = "upload an Excel workbook (.xlsx or .xlsm, a zip package with xl/workbook.xml)"


def _is_xlsx(path: str) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            return "xl/workbook.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


@router.post("", status_code=202, summary="Upload a workbook (multipart field 'file')",
             responses={413: {"description": "file too large"},
                        415: {"description": "not an xlsx workbook"}})
async def upload(request: Request, ctx: Ctx, tenant: Tenant,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    plan_limit = tenant.limits.file_size_bytes  # None: unlimited by the plan
    limit = min(ctx.settings.max_upload_bytes,
                ctx.settings.max_upload_bytes if plan_limit is None else plan_limit)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise HTTPException(413, f"the workbook is larger than the limit of {limit} bytes"
                            f" ({tenant.plan} plan)")
    part = FilePart()
    try:
        stored = await ctx.blobs.put_stream(
            stream_file_part(request.headers.get("content-type"), request.stream(), part), limit)
    except BlobTooLarge as exc:
        raise HTTPException(413, f"the workbook is larger than the limit of {exc.limit} bytes"
                            f" ({tenant.plan} plan)") from None
    except UploadError as exc:
        raise HTTPException(422, [{"loc": ["body", "file"], "msg": str(exc)}]) from None
    path = stored.uri.removeprefix("file://")
    if stored.size == 0 or not _is_xlsx(path):
        raise HTTPException(415, f"{part.filename or 'the file'} is not a workbook: {XLSX_HINT}")
    digest = f"{stored.sha256}:{part.filename}"

    def build() -> tuple[list[Any], int, dict[str, Any]]:
        workbook_id = new_id()
        event = new_event("workbook.uploaded", tenant.tenant_id, workbook_id, {
            "filename": part.filename, "sha256": stored.sha256, "size": stored.size,
            "uri": stored.uri})
        body = {"workbook_id": workbook_id, "status": "uploaded", "sha256": stored.sha256,
                "size": stored.size, "filename": part.filename,
                "links": {"self": f"/v1/workbooks/{workbook_id}"}}
        return [event], 202, body

    return await execute(ctx, tenant, "POST /v1/workbooks", idempotency_key, digest, build)


@router.get("/{workbook_id}", summary="A workbook: status and what the parser found")
async def get_workbook(workbook_id: str, ctx: Ctx, tenant: Tenant) -> dict[str, Any]:
    row = await ctx.views.workbook(tenant.tenant_id, workbook_id)
    if row is None:
        raise HTTPException(404, f"no workbook {workbook_id}")
    return row
