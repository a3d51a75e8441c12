"""`servicekit.openapi.keep_old_path`: a renamed route keeps answering at its old path, marked
deprecated, so clients written before a convention was applied keep working."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from servicekit.openapi import keep_old_path


class Signed(BaseModel):
    act: str
    cms: str


def _app() -> FastAPI:
    router = APIRouter(prefix="/acts")

    @router.post("/{act}/signature", summary="Sign the act", status_code=201)
    async def sign(act: str, body: dict[str, str]) -> Signed:
        return Signed(act=act, cms=body["cms"])

    keep_old_path(router, "/{act}/signature", old="/{act}/sign")
    app = FastAPI()
    app.include_router(router)
    return app


def test_the_old_path_answers_as_the_new_one() -> None:
    with TestClient(_app()) as client:
        new = client.post("/acts/A-1/signature", json={"cms": "MIIB"})
        old = client.post("/acts/A-1/sign", json={"cms": "MIIB"})
    assert (new.status_code, new.json()) == (201, {"act": "A-1", "cms": "MIIB"})
    assert (old.status_code, old.json()) == (new.status_code, new.json())


def test_only_the_old_path_is_deprecated_in_the_openapi() -> None:
    paths = _app().openapi()["paths"]
    assert "deprecated" not in paths["/acts/{act}/signature"]["post"]
    old = paths["/acts/{act}/sign"]["post"]
    assert old["deprecated"] is True
    assert old["summary"] == "Sign the act (old path of POST /acts/{act}/signature)"
    assert old["operationId"] != paths["/acts/{act}/signature"]["post"]["operationId"]
