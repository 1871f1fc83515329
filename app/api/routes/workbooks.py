"""POST /v1/workbooks streams the file to the blob store and records ``workbook.uploaded``."""

from __future__ import annotations

import asyncio
import zipfile
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.auth import Ctx, Tenant, TenantContext
from app.api.commands import Ids, execute
from app.api.problems import unavailable
from app.api.uploads import FilePart, UploadError, stream_file_part, upload_limit
from infra.blobstore import BlobTooLarge, StoredBlob
from projections.pages import BadCursor
from projections.workbook_queries import WORKBOOKS
from streams.envelope import Envelope
from streams.events import WorkbookUploaded
from streams.events.workbooks import ParseLimits

router = APIRouter(prefix="/v1/workbooks", tags=["workbooks"])
RECENT_SCAN = 1000
"""Just-accepted uploads the list reads to place among the views' rows (those of the last
``accepted_ttl_s``)."""
WorkbookStatus = Literal["uploaded", "parsed", "rejected"]
XLSX_HINT = "upload an Excel workbook (.xlsx or .xlsm, a zip package with xl/workbook.xml)"


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as package:
            return "xl/workbook.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


Built = list[tuple[Envelope, WorkbookUploaded]]


def _uploaded(tenant: TenantContext, filename: str | None, stored: StoredBlob, built: Built,
              ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
    """The ``workbook.uploaded`` command for a stored file (also put in ``built``), and its
    answer."""
    workbook_id = ids()
    upload = WorkbookUploaded(
        filename=filename, sha256=stored.sha256, size=stored.size, uri=stored.uri,
        limits=ParseLimits.model_validate(tenant.limits.workbook_limits()))
    event = upload.event(tenant.tenant_id, workbook_id)
    built.append((event, upload))
    # size_bytes, as the workbook's view names it; size, as this answer first did
    body = {"workbook_id": workbook_id, "status": "uploaded", "sha256": stored.sha256,
            "size_bytes": stored.size, "size": stored.size, "filename": filename,
            "links": {"self": f"/v1/workbooks/{workbook_id}"}}
    return [event], 202, body


# the route streams the body itself (see app.api.uploads), so the document is told its shape
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "the .xlsx workbook"}}}}}}}


@router.post("", status_code=202, summary="Upload a workbook (multipart field 'file')",
             responses={413: {"description": "file larger than the plan's limit or the"
                                             " server's upload cap"},
                        415: {"description": "not an xlsx workbook"}},
             openapi_extra=UPLOAD_BODY)
async def upload(request: Request, ctx: Ctx, tenant: Tenant,
                 idempotency_key: Annotated[str | None, Header()] = None) -> JSONResponse:
    limit = upload_limit(tenant.plan, tenant.limits.file_size_bytes,
                         ctx.settings.max_upload_bytes)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit.size + 64 * 1024:
        raise HTTPException(413, limit.refusal())
    part = FilePart()
    try:
        staged = await ctx.blobs.stage(
            stream_file_part(request.headers.get("content-type"), request.stream(), part),
            limit.size)
    except BlobTooLarge:
        raise HTTPException(413, limit.refusal()) from None
    except UploadError as exc:
        raise HTTPException(422, [{"loc": list(exc.loc), "msg": str(exc)}]) from None
    digest = f"{staged.sha256}:{part.filename}"
    try:
        if staged.size == 0 or not _is_xlsx(staged.path):
            raise HTTPException(415, f"{part.filename or 'the file'} is not a workbook:"
                                f" {XLSX_HINT}")
        # Stored before the command is appended, so no event names a blob the store lacks. A
        # command then refused leaves bytes no event names, harmless where the address is the
        # content: its retry finds them there.
        try:
            stored = await asyncio.to_thread(ctx.blobs.publish, staged)
        except OSError as exc:
            return unavailable(f"the blob store is unreachable; nothing was recorded: {exc}")
        built: Built = []
        answer = await execute(ctx, tenant, "POST /v1/workbooks", idempotency_key, digest,
                               partial(_uploaded, tenant, part.filename, stored, built))
        if answer.status_code == 202 and built:  # the broker acknowledged it
            await ctx.accepted.note(*built[0])
        return answer
    finally:  # a refused file leaves nothing behind
        ctx.blobs.discard(staged)


@router.get("", summary="The tenant's workbooks, newest first, paged by cursor")
async def list_workbooks(ctx: Ctx, tenant: Tenant, status: WorkbookStatus | None = None,
                         cursor: Annotated[str | None, Query(max_length=400)] = None,
                         limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """``next_cursor`` (null on the last page) continues after the last workbook returned;
    ``upload_limit`` is the largest file this tenant may upload now, and why. A workbook just
    accepted is listed (as uploaded) before the views have it."""
    try:
        after = WORKBOOKS.decode(cursor) if cursor else None
    except BadCursor as exc:
        raise HTTPException(422, [{"loc": ["query", "cursor"], "msg": str(exc)}]) from None
    views = ctx.views
    rows, next_cursor = await WORKBOOKS.page(views, tenant.tenant_id, status, after, limit)
    if status in (None, "uploaded"):
        # every recent one: a later page shows those older than its cursor
        pending = [doc for doc in await ctx.accepted.recent(tenant.tenant_id, "workbook",
                                                            RECENT_SCAN)
                   if doc["workbook_id"] not in {row["workbook_id"] for row in rows}]
        if pending:
            known = await WORKBOOKS.known(views, tenant.tenant_id,
                                          [doc["workbook_id"] for doc in pending])
            rows, next_cursor = WORKBOOKS.with_pending(
                rows, next_cursor, [doc for doc in pending if doc["workbook_id"] not in known],
                after, limit)
    allowed = upload_limit(tenant.plan, tenant.limits.file_size_bytes,
                           ctx.settings.max_upload_bytes)
    return {"workbooks": rows, "next_cursor": next_cursor, "has_more": next_cursor is not None,
            "upload_limit": {"bytes": allowed.size, "plan": tenant.plan,
                             "applies": allowed.source}}


@router.get("/{workbook_id}", summary="A workbook: status and what the parser found",
            response_model=dict[str, Any])
async def get_workbook(workbook_id: str, ctx: Ctx, tenant: Tenant) -> Response:
    body = (await ctx.views.workbook_json(tenant.tenant_id, workbook_id)
            or await ctx.accepted.json(tenant.tenant_id, "workbook", workbook_id))
    if body is None:
        raise HTTPException(404, f"no workbook {workbook_id}")
    return Response(body, media_type="application/json")
