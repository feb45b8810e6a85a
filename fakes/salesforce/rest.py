"""REST API under `/services/data/`: versions, resources, limits, describe, sObject CRUD, query and queryAll."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, g, request

from .errors import SalesforceError
from .schema import child_relationships
from .settings import MAX_API_VERSION, MIN_API_VERSION
from .web import current_session, empty_response, json_body, json_response

if TYPE_CHECKING:
    from .models import SalesforceFake

_SEASONS = ("Winter", "Spring", "Summer")
_VERSION_RE = re.compile(r"^v(\d{2})\.0$")


def release_label(major: int) -> str:
    """41.0 is Winter '18; three releases a year."""
    n = major - MIN_API_VERSION
    return f"{_SEASONS[n % 3]} '{18 + n // 3:02d}"


def versions() -> list[dict[str, str]]:
    return [{"label": release_label(v), "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
            for v in range(MIN_API_VERSION, MAX_API_VERSION + 1)]


def parse_version(text: str) -> str:
    """`v59.0` -> `59.0`; `latest` -> the newest; anything else is an unknown resource (404)."""
    if text == "latest":
        return f"{MAX_API_VERSION}.0"
    match = _VERSION_RE.match(text)
    if not match or not MIN_API_VERSION <= int(match.group(1)) <= MAX_API_VERSION:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return f"{int(match.group(1))}.0"


def make_rest_blueprint(fake: SalesforceFake) -> Blueprint:
    bp = Blueprint("salesforce_rest", __name__)
    records = fake.records_api

    def begin(version_text: str) -> tuple[str, Any]:
        version = parse_version(version_text)
        session = current_session(fake)
        with fake.lock:
            fake.api_requests += 1
            g.sf_api_usage = fake.api_requests
        return version, session

    def origin(version: str, session: Any) -> str:
        options = request.headers.get("Sforce-Call-Options", "")
        client = ""
        for part in options.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "client":
                client = value.strip()
        client = client or (getattr(session, "client_id", None) or "")
        return f"com/salesforce/api/rest/{version};client={client}"

    @bp.after_app_request
    def _limit_info(response: Response) -> Response:
        used = getattr(g, "sf_api_usage", None)
        if used is not None:
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{fake.settings.api_request_limit}"
        return response

    @bp.get("/services/data")
    @bp.get("/services/data/")
    def list_versions():
        return json_response(versions())

    @bp.get("/services/data/<version_text>")
    def resources(version_text: str):
        version, _ = begin(version_text)
        base = f"/services/data/v{version}"
        names = ["tooling", "metadata", "eclair", "folders", "prechatForms", "contact-tracing", "jsonxform", "chatter",
                 "tabs", "appMenu", "quickActions", "queryAll", "commerce", "wave", "iot", "analytics", "search",
                 "smartdatadiscovery", "identity", "composite", "parameterizedSearch", "fingerprint", "theme", "nouns",
                 "domino", "event", "serviceTemplates", "recent", "connect", "licensing", "limits", "process",
                 "dedupe", "async-queries", "query", "jobs", "match", "emailConnect", "localizedvalue", "mobile",
                 "consent", "tokenizer", "sobjects", "actions", "support"]
        out = {name: f"{base}/{name}" for name in names}
        out["identity"] = f"{fake.login_url()}/id/{fake.org_id}/{fake.integration_user_id}"
        return json_response(out)

    @bp.get("/services/data/<version_text>/limits")
    def limits(version_text: str):
        begin(version_text)
        total = fake.settings.api_request_limit
        with fake.lock:
            used = fake.api_requests
        return json_response({
            "DailyApiRequests": {"Max": total, "Remaining": max(0, total - used)},
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
            "DailyDurableStreamingApiEvents": {"Max": 10000, "Remaining": 10000},
        })

    @bp.get("/services/data/<version_text>/sobjects")
    def describe_global(version_text: str):
        version, _ = begin(version_text)
        return json_response({"encoding": "UTF-8", "maxBatchSize": 200,
                              "sobjects": [o.describe_global(version) for o in fake.schema.values()]})

    @bp.get("/services/data/<version_text>/sobjects/<sobject>")
    def sobject_info(version_text: str, sobject: str):
        version, _ = begin(version_text)
        otype = records.sobject(sobject)
        with fake.lock:
            recent = [records.serialize(otype, r, version, ["Id", "Name"] if "Name" in otype.fields else ["Id"])
                      for r in list(fake.store.all(otype.name))[-10:]]
        return json_response({"objectDescribe": otype.describe_global(version), "recentItems": recent})

    @bp.post("/services/data/<version_text>/sobjects/<sobject>")
    def create(version_text: str, sobject: str):
        version, session = begin(version_text)
        records.sobject(sobject)  # an unknown type is a 404 before the body is read
        body = json_body()
        record_id = records.create(sobject, body, session.user_id, origin(version, session))
        return json_response({"id": record_id, "success": True, "errors": []}, 201)

    @bp.get("/services/data/<version_text>/sobjects/<sobject>/describe")
    def describe(version_text: str, sobject: str):
        version, _ = begin(version_text)
        otype = records.sobject(sobject)
        return json_response(otype.describe(version, child_relationships(fake.schema, otype.name)))

    @bp.get("/services/data/<version_text>/sobjects/<sobject>/<record_id>")
    def retrieve(version_text: str, sobject: str, record_id: str):
        version, _ = begin(version_text)
        fields_arg = request.args.get("fields")
        fields = [f.strip() for f in fields_arg.split(",") if f.strip()] if fields_arg is not None else None
        return json_response(records.retrieve(sobject, record_id, version, fields))

    @bp.patch("/services/data/<version_text>/sobjects/<sobject>/<record_id>")
    def update(version_text: str, sobject: str, record_id: str):
        version, session = begin(version_text)
        records.sobject(sobject)
        body = json_body()
        records.update(sobject, record_id, body, session.user_id, origin(version, session))
        return empty_response(204)

    @bp.delete("/services/data/<version_text>/sobjects/<sobject>/<record_id>")
    def delete(version_text: str, sobject: str, record_id: str):
        version, session = begin(version_text)
        records.delete(sobject, record_id, session.user_id, origin(version, session))
        return empty_response(204)

    @bp.route("/services/data/<version_text>/sobjects/<sobject>/<field_name>/<path:value>", methods=["GET", "PATCH"])
    def by_external_id(version_text: str, sobject: str, field_name: str, value: str):
        version, _ = begin(version_text)
        otype = records.sobject(sobject)
        f = otype.field(field_name)
        if f is None or f.name != "Id" or request.method != "GET":
            # Only Id is an external-id field in this org.
            raise SalesforceError(404, "NOT_FOUND",
                                  f"Provided external ID field does not exist or is not accessible: {field_name}")
        return json_response(records.retrieve(sobject, value, version))

    def batch_size() -> int | None:
        options = request.headers.get("Sforce-Query-Options", "")
        match = re.search(r"batchSize\s*=\s*(\d+)", options)
        return int(match.group(1)) if match else None

    @bp.get("/services/data/<version_text>/query")
    def query(version_text: str):
        version, _ = begin(version_text)
        return json_response(records.query(request.args.get("q"), version, False, batch_size()))

    @bp.get("/services/data/<version_text>/queryAll")
    def query_all(version_text: str):
        version, _ = begin(version_text)
        return json_response(records.query(request.args.get("q"), version, True, batch_size()))

    @bp.get("/services/data/<version_text>/query/<locator>")
    @bp.get("/services/data/<version_text>/queryAll/<locator>")
    def query_more(version_text: str, locator: str):
        version, _ = begin(version_text)
        return json_response(records.query_more(locator, version))

    return bp

