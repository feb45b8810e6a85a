"""`POST /oauth/token`: the client credentials grant (form body, Basic auth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from ...core.routes import Api, reply

if TYPE_CHECKING:
    from ..models import GenesysFake


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_oauth")

    @api.route("POST", "/oauth/token", response="oauth-token")
    def oauth_token():
        form = {k: v for k, v in request.form.items()} if request.mimetype == "application/x-www-form-urlencoded" else {}
        return reply(fake.post_oauth_token(request.headers.get("Authorization"), form))

    return api
