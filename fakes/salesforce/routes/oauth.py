"""OAuth and SOAP wire: `POST /services/oauth2/token`, `POST /services/Soap/u/<version>`, `/services/oauth2/revoke`,
`GET /id/<orgId>/<userId>`. The rules are `AuthBackend`'s (model/credentials.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from flask import Response, request

from ...core.routes import Api
from ..errors import SoapFault
from ..views.oauth import JSON_MIME, NO_STORE, identity_body, soap_login_response, token_response
from .parse import act_as, basic_credentials, bearer_token, strict_dumps

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake


def _token_json(body: Any, status: int = 200) -> Response:
    response = Response(strict_dumps(body), status=status)
    response.headers["Content-Type"] = JSON_MIME
    response.headers["Cache-Control"] = NO_STORE
    return response


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def soap_login_request(body: bytes) -> tuple[str, str, str | None]:
    """(username, password, client) from a partner-API login envelope, whatever its prefixes."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        # inferred wording: the platform's parser error names the offending XML
        raise SoapFault("UNKNOWN_EXCEPTION", "Unable to parse the request body as a SOAP envelope.") from None
    login = next((el for el in root.iter() if _local(el.tag) == "login"), None)
    if login is None:
        raise SoapFault("INVALID_OPERATION", "No operation available for request {urn:partner.soap.sforce.com}"
                        "login; only login is supported on this endpoint.")
    values = {_local(child.tag): (child.text or "") for child in login}
    client = next((el.text for el in root.iter() if _local(el.tag) == "client"), None)
    return values.get("username", ""), values.get("password", ""), client


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_oauth")

    @api.route("POST", "/services/oauth2/token", response="oauth-token-response", error="oauth-token-error")
    def token():
        params: dict[str, str] = dict(request.args.items())
        params.update(request.form.items())
        form_encoded = request.mimetype == "application/x-www-form-urlencoded" or bool(request.args)
        grant = fake.auth.grant(params.get("grant_type"), params, basic_credentials(), request.host, form_encoded)
        act_as(grant.session)
        return _token_json(token_response(grant, fake.base_url(), fake.sessions.org_id,
                                          fake.world.plan.credentials.salesforce_client_secret))

    @api.route("POST", "/services/Soap/u/<version>", response=None)
    def soap_login(version: str):
        fake.auth.check_soap_version(version)
        username, password, client = soap_login_request(request.get_data(cache=True))
        session = act_as(fake.auth.soap_login(username, password, client))
        user = fake.get_record("User", session.user_id) or {}
        body = soap_login_response(session, version, fake.base_url(), fake.sessions.org_id, user,
                                   fake.config.organization_name)
        response = Response(body, status=200)
        response.headers["Content-Type"] = "text/xml;charset=UTF-8"
        return response

    @api.route("GET", "/services/oauth2/revoke", response=None)
    @api.route("POST", "/services/oauth2/revoke", response=None)
    def revoke():
        fake.auth.revoke(request.form.get("token") or request.args.get("token"))
        response = Response(b"", status=200)
        response.headers["Cache-Control"] = NO_STORE
        return response

    @api.route("GET", "/id/<org_id>/<user_id>", response="oauth-identity")
    def identity(org_id: str, user_id: str):
        session = act_as(fake.auth.authenticate(bearer_token()))
        fake.auth.check_identity(session, org_id, user_id)
        user = fake.get_record("User", session.user_id) or {}
        return _token_json(identity_body(fake.base_url(), fake.sessions.org_id, session.user_id, user))

    return api
