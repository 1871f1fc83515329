"""Erasure of a data subject's personal data (GDPR): the subject's key is destroyed and a
``subject.erased`` event recorded; the views rewrite what they hold, and every replay from then
on reads the subject's sealed fields as ``"[erased]"``. The log itself is untouched, so its
hash chains still verify."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from app.api.auth import Admin, Ctx
from app.api.commands import Ids, execute
from app.api.routes.tenants import visible_tenant
from app.api.security_log import audit
from projections.privacy_queries import tenant_subject
from streams.events import SubjectErased

router = APIRouter(prefix="/v1/tenants", tags=["tenants"])


@router.delete("/{tenant_id}/subjects/{subject}", status_code=202,
               summary="Erase a data subject's personal data (its admins; operators)")
async def erase(tenant_id: str, subject: str, request: Request, ctx: Ctx, caller: Admin
                ) -> JSONResponse:
    await visible_tenant(ctx, caller, tenant_id)
    found = await tenant_subject(ctx.pool, tenant_id, subject)
    if found is None:
        raise HTTPException(404, [{"loc": ["path", "subject"], "msg": f"no data subject"
                                   f" {subject!r} in tenant {tenant_id}; give an e-mail address,"
                                   " a user id, or a subject id (the sha256 of the lower-cased"
                                   " e-mail address)"}])
    key = await ctx.subject_keys.key_id(found)
    answer = {"tenant_id": tenant_id, "subject": found, "erased": True}
    if key is None:  # erased before, and no personal data of it written since
        return JSONResponse(answer, status_code=202)

    def build(ids: Ids) -> tuple[list[Any], int, dict[str, Any]]:
        event = SubjectErased(subject=found, key_id=key, audit=audit(request, caller.credential)
                              ).event(tenant_id, tenant_id)
        return [event], 202, answer

    recorded = await execute(ctx, caller, f"DELETE /v1/tenants/{tenant_id}/subjects/{found}",
                             None, found, build)
    # the key goes once the event is in the log: a failed append leaves everything readable
    if recorded.status_code == 202:
        await ctx.subject_keys.destroy(found)
        await ctx.email_claims.release_subject(found)
    return recorded
