"""OAuth, identity and SOAP login wire shapes: the token response, the identity URL body, the login envelope."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from xml.sax.saxutils import escape

from ..model.credentials import Grant
from ..model.sessions import Session

JSON_MIME = "application/json;charset=UTF-8"
NO_STORE = "no-cache,must-revalidate,max-age=0,no-store,private"


def identity_url(base: str, org_id: str, user_id: str) -> str:
    return f"{base}/id/{org_id}/{user_id}"


def token_response(grant: Grant, base: str, org_id: str, client_secret: str) -> dict[str, Any]:
    """The OAuth token response: issued_at in epoch ms, signature = HMAC-SHA256(id + issued_at)."""
    session = grant.session
    issued_at = str(int(session.issued_at * 1000))
    identity = identity_url(base, org_id, session.user_id)
    signature = base64.b64encode(hmac.new(client_secret.encode(), (identity + issued_at).encode(),
                                          hashlib.sha256).digest()).decode()
    out: dict[str, Any] = {"access_token": session.token}
    if session.refresh_token and grant.returns_refresh_token:
        out["refresh_token"] = session.refresh_token
    out["signature"] = signature
    if grant.scope:
        out["scope"] = grant.scope
    out["instance_url"] = base
    out["id"] = identity
    out["token_type"] = "Bearer"
    out["issued_at"] = issued_at
    if grant.client_credentials:
        # inferred: the platform answers https://api.salesforce.com; the fake keeps clients on itself
        out["api_instance_url"] = base
    return out


def _xml(tag: str, value: Any) -> str:
    if value is None:
        return f'<{tag} xsi:nil="true"/>'
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{tag}>{escape(str(value))}</{tag}>"


def soap_login_response(session: Session, version: str, base: str, org_id: str, user: dict[str, Any],
                        organization_name: str) -> str:
    """The partner API's loginResponse envelope."""
    user_info = "".join([
        _xml("accessibilityMode", False), _xml("chatterExternal", False), _xml("currencySymbol", "$"),
        _xml("orgAttachmentFileSizeLimit", 5242880), _xml("orgDefaultCurrencyIsoCode", "USD"),
        _xml("orgDefaultCurrencyLocale", "en_US"), _xml("orgDisallowHtmlAttachments", False),
        _xml("orgHasPersonAccounts", False), _xml("organizationId", org_id),
        _xml("organizationMultiCurrency", False),
        _xml("organizationName", organization_name),
        _xml("profileId", user.get("ProfileId")), _xml("roleId", user.get("UserRoleId")),
        _xml("sessionSecondsValid", int(session.expires_at - session.issued_at)),
        _xml("userDefaultCurrencyIsoCode", None), _xml("userEmail", user.get("Email")),
        _xml("userFullName", user.get("Name")), _xml("userId", session.user_id),
        _xml("userLanguage", user.get("LanguageLocaleKey") or "en_US"),
        _xml("userLocale", user.get("LocaleSidKey") or "en_US"), _xml("userName", user.get("Username")),
        _xml("userTimeZone", user.get("TimeZoneSidKey") or "America/Los_Angeles"),
        _xml("userType", user.get("UserType") or "Standard"), _xml("userUiSkin", "Theme3"),
    ])
    # The partner namespace is the default one: simple-salesforce looks for unprefixed sessionId/serverUrl.
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        + _xml("metadataServerUrl", f"{base}/services/Soap/m/{version}/{org_id[:15]}")
        + _xml("passwordExpired", False)
        + _xml("sandbox", False)
        + _xml("serverUrl", f"{base}/services/Soap/u/{version}/{org_id[:15]}")
        + _xml("sessionId", session.token)
        + _xml("userId", session.user_id)
        + f"<userInfo>{user_info}</userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )


def identity_body(base: str, org_id: str, user_id: str, user: dict[str, Any]) -> dict[str, Any]:
    version = "{version}"
    return {
        "id": f"{base}/id/{org_id}/{user_id}", "asserted_user": True, "user_id": user_id,
        "organization_id": org_id, "username": user.get("Username"), "nick_name": user.get("CommunityNickname"),
        "display_name": user.get("Name"), "email": user.get("Email"), "email_verified": True,
        "first_name": user.get("FirstName"), "last_name": user.get("LastName"),
        "timezone": user.get("TimeZoneSidKey") or "America/Los_Angeles", "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD", "language": user.get("LanguageLocaleKey") or "en_US",
        "locale": user.get("LocaleSidKey") or "en_US", "utcOffset": 0,
        "last_modified_date": user.get("LastModifiedDate"), "is_app_installed": True,
        "urls": {
            "enterprise": f"{base}/services/Soap/c/{version}/{org_id[:15]}",
            "metadata": f"{base}/services/Soap/m/{version}/{org_id[:15]}",
            "partner": f"{base}/services/Soap/u/{version}/{org_id[:15]}",
            "rest": f"{base}/services/data/v{version}/",
            "sobjects": f"{base}/services/data/v{version}/sobjects/",
            "search": f"{base}/services/data/v{version}/search/",
            "query": f"{base}/services/data/v{version}/query/",
            "recent": f"{base}/services/data/v{version}/recent/",
            "profile": f"{base}/{user_id}",
            "custom_domain": base,
        },
    }
