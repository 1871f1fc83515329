"""The workbench (the single-page app in web/) served by the API at ``/`` from its build,
``web/dist``; the API itself stays under ``/v1``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WORKBENCH = Path(__file__).resolve().parents[2] / "web" / "dist"


class WorkbenchFiles(StaticFiles):
    """The built page's files; a path under ``v1/`` is an API path no route took, so it stays
    the API's 404 problem rather than a page."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path == "v1" or path.startswith("v1/"):
            raise HTTPException(404, f"no API route {scope['method']} {scope['path']}")
        return await super().get_response(path, scope)


def mount_workbench(app: FastAPI, dist: Path = WORKBENCH) -> None:
    """Mount the build at ``/``; call it after every route is added, since a mount at ``/``
    takes what no earlier route took. Without a build (``make up`` makes one) the API runs
    alone."""
    if (dist / "index.html").is_file():
        app.mount("/", WorkbenchFiles(directory=dist, html=True), name="workbench")
