"""REST API under `/services/data/`: versions, resources, limits, describe, sObject CRUD, query and queryAll."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flask import Response, g, request

from ...core.routes import Api
from ..config import MAX_API_VERSION, MIN_API_VERSION
from ..errors import no_external_id, not_found
from ..model.schema import child_relationships
from ..model.sessions import Session
from ..views import rest as view
from ..views.oauth import identity_url
from .parse import act_as, bearer_token, empty_response, json_body, json_response

if TYPE_CHECKING:
    from ..model.fake import SalesforceFake

_VERSION_RE = re.compile(r"^v(\d{2})\.0$")
V = "/services/data/<version_text>"


def parse_version(text: str) -> str:
    """`v59.0` -> `59.0`; `latest` -> the newest; anything else is an unknown resource (404)."""
    if text == "latest":
        return f"{MAX_API_VERSION}.0"
    match = _VERSION_RE.match(text)
    if not match or not MIN_API_VERSION <= int(match.group(1)) <= MAX_API_VERSION:
        raise not_found()
    return f"{int(match.group(1))}.0"


def change_origin(version: str, session: Session) -> str:
    """`changeOrigin` of the changes a REST call makes: the client named in `Sforce-Call-Options`, else the
    session's connected app."""
    client = ""
    for part in request.headers.get("Sforce-Call-Options", "").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "client":
            client = value.strip()
    return f"com/salesforce/api/rest/{version};client={client or session.client_id or ''}"


def batch_size() -> int | None:
    match = re.search(r"batchSize\s*=\s*(\d+)", request.headers.get("Sforce-Query-Options", ""))
    return int(match.group(1)) if match else None


def build(fake: SalesforceFake) -> Api:
    api = Api("salesforce_rest")


    def begin(version_text: str) -> tuple[str, Session]:
        version = parse_version(version_text)
        session = act_as(fake.auth.authenticate(bearer_token()))
        g.sf_api_usage = fake.count_api_request()
        return version, session

    @api.blueprint.after_app_request
    def _limit_info(response: Response) -> Response:
        usage = g.get("sf_api_usage")
        if usage is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={usage[0]}/{usage[1]}"
        return response

    @api.route("GET", "/services/data", response="versions")
    @api.route("GET", "/services/data/", response="versions")
    def list_versions():
        return json_response(view.versions())

    @api.route("GET", V, response="resources", error="error")
    def resources(version_text: str):
        version, _ = begin(version_text)
        identity = identity_url(fake.login_url(), fake.org_id, fake.integration_user_id)
        return json_response(view.resources(version, identity))

    @api.route("GET", f"{V}/limits", response="limits", error="error")
    def limits(version_text: str):
        begin(version_text)
        used, limit = g.sf_api_usage
        return json_response(view.limits(limit, used))

    @api.route("GET", f"{V}/sobjects", response="describe-global", error="error")
    def describe_global(version_text: str):
        version, _ = begin(version_text)
        return json_response({"encoding": "UTF-8", "maxBatchSize": 200,
                              "sobjects": [o.describe_global(version) for o in fake.schema.values()]})

    @api.route("GET", f"{V}/sobjects/<sobject>", response="sobject-info", error="error")
    def sobject_info(version_text: str, sobject: str):
        version, _ = begin(version_text)
        otype = fake.records_api.sobject(sobject)
        names = ["Id", "Name"] if "Name" in otype.fields else ["Id"]
        recent = [view.record(otype, r, version, names) for r in fake.records_api.recent(otype)]
        return json_response({"objectDescribe": otype.describe_global(version), "recentItems": recent})

    @api.route("POST", f"{V}/sobjects/<sobject>", response="create-result", status=201, error="error")
    def create(version_text: str, sobject: str):
        version, session = begin(version_text)
        fake.records_api.sobject(sobject)  # an unknown type is a 404 before the body is read
        body = json_body()
        record_id = fake.records_api.create(sobject, body, session.user_id, change_origin(version, session))
        return json_response(view.create_result(record_id), 201)

    @api.route("GET", f"{V}/sobjects/<sobject>/describe", response="describe-sobject", error="error")
    def describe(version_text: str, sobject: str):
        version, _ = begin(version_text)
        otype = fake.records_api.sobject(sobject)
        return json_response(otype.describe(version, child_relationships(fake.schema, otype.name)))

    @api.route("GET", f"{V}/sobjects/<sobject>/<record_id>", response="record-{sobject}", error="error")
    def retrieve(version_text: str, sobject: str, record_id: str):
        version, _ = begin(version_text)
        fields_arg = request.args.get("fields")
        fields = [f.strip() for f in fields_arg.split(",") if f.strip()] if fields_arg is not None else None
        otype, values, names = fake.records_api.retrieve(sobject, record_id, fields)
        return json_response(view.record(otype, values, version, names))

    @api.route("PATCH", f"{V}/sobjects/<sobject>/<record_id>", response=None, status=204, error="error")
    def update(version_text: str, sobject: str, record_id: str):
        version, session = begin(version_text)
        fake.records_api.sobject(sobject)
        body = json_body()
        fake.records_api.update(sobject, record_id, body, session.user_id, change_origin(version, session))
        return empty_response(204)

    @api.route("DELETE", f"{V}/sobjects/<sobject>/<record_id>", response=None, status=204, error="error")
    def delete(version_text: str, sobject: str, record_id: str):
        version, session = begin(version_text)
        fake.records_api.delete(sobject, record_id, session.user_id, change_origin(version, session))
        return empty_response(204)

    @api.route("GET", f"{V}/sobjects/<sobject>/<field_name>/<path:value>", response="record-{sobject}",
               error="error")
    @api.route("PATCH", f"{V}/sobjects/<sobject>/<field_name>/<path:value>", response=None, error="error")
    def by_external_id(version_text: str, sobject: str, field_name: str, value: str):
        version, _ = begin(version_text)
        otype = fake.records_api.sobject(sobject)
        f = otype.field(field_name)
        if f is None or f.name != "Id" or request.method != "GET":
            # Only Id is an external-id field in this org.
            raise no_external_id(field_name)
        otype, values, _ = fake.records_api.retrieve(sobject, value)
        return json_response(view.record(otype, values, version))

    @api.route("GET", f"{V}/query", response="query-result", error="error")
    def query(version_text: str):
        version, _ = begin(version_text)
        return json_response(fake.records_api.query(request.args.get("q"), version, False, batch_size()))

    @api.route("GET", f"{V}/queryAll", response="query-result", error="error")
    def query_all(version_text: str):
        version, _ = begin(version_text)
        return json_response(fake.records_api.query(request.args.get("q"), version, True, batch_size()))

    @api.route("GET", f"{V}/query/<locator>", response="query-result", error="error")
    @api.route("GET", f"{V}/queryAll/<locator>", response="query-result", error="error")
    def query_more(version_text: str, locator: str):
        version, _ = begin(version_text)
        return json_response(fake.records_api.query_more(locator, version))

    return api
