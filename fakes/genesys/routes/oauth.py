"""`POST /oauth/token`: the client credentials grant (form body, Basic auth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import g, request

from ...core.routes import Api, reply
from ..views import serialize

if TYPE_CHECKING:
    from ..model.fake import GenesysFake


def build(fake: GenesysFake) -> Api:
    api = Api("genesys_oauth")

    @api.route("POST", "/oauth/token", response="oauth-token")
    def oauth_token():
        form = {k: v for k, v in request.form.items()} if request.mimetype == "application/x-www-form-urlencoded" else {}
        principal = fake.oauth.post_oauth_token(request.headers.get("Authorization"), form)
        g.actor = principal.owner
        return reply(serialize.token(fake, principal))

    return api
