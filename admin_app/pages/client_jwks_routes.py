"""``/oidc-client/<scope>/<service>/jwks.json``: the public key a service signs its
``private_key_jwt`` assertions with, for the issuer that checks them
(``admin_app.services.client_keys``). Read by the issuer, with no cookie and no sign-in.
"""

from __future__ import annotations

import asyncio

from fastapi.responses import JSONResponse
from nicegui import app

from admin_app.services import client_keys

#: an issuer that meets a new key id asks again; a minute is enough to spare us
CACHE = {"Cache-Control": "max-age=60"}


def register() -> None:
    @app.get("/oidc-client/{scope}/{service_id}/jwks.json", include_in_schema=False)
    async def client_jwks(scope: str, service_id: str) -> JSONResponse:
        keys = await asyncio.to_thread(client_keys.public_keys, scope, service_id)
        if keys is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse(keys, headers=CACHE)
