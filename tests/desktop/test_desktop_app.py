"""The desktop's WSGI app: its page and assets, the plain forward to the fakes, and what it refuses."""

from __future__ import annotations

import re
import threading
import time
from importlib import resources
from pathlib import Path

import pytest
import requests
from flask import Flask, jsonify, request

from omni_harness.fakes.core import serve_app
from omni_harness.fakes.runner import start_stack
from omni_harness.harness.desktop import DesktopTargets, create_desktop_app, desktop_targets, start_desktop
from omni_harness.harness.stackinfo import StackInfo

ASSET_NAMES = ("index.html", "desktop.js", "desktop.css")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = start_stack(tls=True, workdir=tmp_path_factory.mktemp("desktop-stack"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def desktop(stack):
    server = start_desktop(stack)
    yield server
    server.stop()


@pytest.fixture
def http():
    session = requests.Session()
    session.trust_env = False
    yield session
    session.close()


def journal_since(stack, seq: int) -> list[dict]:
    return [e.to_json() for e in stack.world.journal.since(seq, kinds=["request"])]


def agent_email(stack, index: int = 0) -> str:
    return stack.world.plan.people[index].email


# -- page and assets --------------------------------------------------------------------------------------------
def test_page_and_assets_are_served_from_the_package(desktop, http):
    page = http.get(desktop.url + "/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "/assets/desktop.js" in page.text and "/assets/desktop.css" in page.text
    for name, mime in (("desktop.js", "text/javascript"), ("desktop.css", "text/css")):
        asset = http.get(f"{desktop.url}/assets/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["Content-Type"].startswith(mime)
        assert asset.content == resources.files("omni_harness.harness.desktop").joinpath("static", name).read_bytes()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_unknown_asset_and_page_answer_404_in_json(desktop, http):
    for path in ("/assets/other.js", "/assets/..%2Fapp.py", "/nothing-here"):
        answer = http.get(desktop.url + path)
        assert answer.status_code == 404, path
        assert answer.json()["error"] == "not_found"


def test_assets_load_nothing_from_the_network():
    """One page, no CDN: no asset names another host, and the page loads only its own two assets."""
    folder = resources.files("omni_harness.harness.desktop").joinpath("static")
    for name in ASSET_NAMES:
        text = folder.joinpath(name).read_text()
        assert not re.search(r"(src|href)\s*=\s*[\"'](https?:)?//", text), name
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), name
        assert "import(" not in text and "@import" not in text, name
    html = folder.joinpath("index.html").read_text()
    assert sorted(re.findall(r'(?:src|href)="(/[^"]+)"', html)) == ["/assets/desktop.css", "/assets/desktop.js"]


# -- the forward ------------------------------------------------------------------------------------------------
def test_agent_calls_reach_the_fakes_as_a_clients_and_are_journaled_with_the_agent_as_actor(stack, desktop, http):
    email = agent_email(stack)
    seq = stack.world.journal.last_seq
    token = http.post(desktop.url + "/genesys/_fake/tokens", json={"email": email}).json()["access_token"]
    me = http.get(desktop.url + "/genesys/api/v2/users/me", params={"expand": "presence,routingStatus"},
                  headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == email and "routingStatus" in me.json()
    entry = next(e for e in journal_since(stack, seq) if e["data"]["path"] == "/api/v2/users/me")
    assert entry["source"] == "genesys"
    assert entry["data"]["method"] == "GET"
    assert entry["data"]["query"] == "expand=presence%2CroutingStatus"
    assert entry["data"]["actor"] == f"user:{me.json()['id']}"

    session = http.post(desktop.url + "/salesforce/_fake/tokens", json={"userId": email}).json()
    user_id = session["id"].rsplit("/", 1)[-1]
    seq = stack.world.journal.last_seq
    works = http.post(f"{desktop.url}/salesforce/omni-toolkit/v1/users/{user_id}/getAgentWorks", json={},
                      headers={"Authorization": f"Bearer {session['access_token']}"})
    assert works.status_code == 200 and works.json() == {"works": "[]"}
    entry = next(e for e in journal_since(stack, seq) if e["data"]["path"].endswith("/getAgentWorks"))
    assert entry["source"] == "salesforce"
    assert entry["data"]["requestBody"] == {}
    assert entry["data"]["actor"]["userId"][:15] == user_id[:15]


def test_a_refusal_is_the_platforms_own_error_body(stack, desktop, http):
    direct = http.get(stack.url("genesys") + "/api/v2/users/me", verify=str(stack.ca.ca_path))
    through = http.get(desktop.url + "/genesys/api/v2/users/me")
    assert through.status_code == direct.status_code == 401
    assert through.headers["Content-Type"] == direct.headers["Content-Type"]
    drop = {"contextId"}  # differs per request
    assert {k: v for k, v in through.json().items() if k not in drop} == \
           {k: v for k, v in direct.json().items() if k not in drop}

    bad = http.post(desktop.url + "/salesforce/_fake/customers/chats", json={"queue": "No_Such_Queue"})
    assert bad.status_code >= 400 and bad.status_code < 500
    assert "message" in bad.json() or "error" in bad.json()


def test_the_control_api_still_refuses_non_json_bodies_through_the_desktop(desktop, http):
    answer = http.post(desktop.url + "/genesys/_fake/tokens", data="userId=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 415
    assert answer.json()["error"] == "unsupported_media_type"


def test_cross_origin_requests_and_foreign_hosts_are_refused_before_any_forward(stack, desktop, http):
    seq = stack.world.journal.last_seq
    other_origin = http.post(desktop.url + "/genesys/_fake/tokens", json={"email": agent_email(stack)},
                             headers={"Origin": "https://attacker.example"})
    assert other_origin.status_code == 403
    assert "cross-origin" in other_origin.json()["message"]
    rebinding = http.get(desktop.url + "/genesys/api/v2/users/me", headers={"Host": f"rebind.example:{desktop.port}"})
    assert rebinding.status_code == 403
    assert "Host" in rebinding.json()["message"]
    assert journal_since(stack, seq) == []
    same_origin = http.post(desktop.url + "/genesys/_fake/tokens", json={"email": agent_email(stack)},
                            headers={"Origin": desktop.url})
    assert same_origin.status_code == 200


def test_an_unreachable_fake_is_a_502_naming_it():
    app = create_desktop_app("http://127.0.0.1:9", "http://127.0.0.1:9")
    answer = app.test_client().get("/salesforce/services/data")
    assert answer.status_code == 502
    body = answer.get_json()
    assert body["error"] == "bad_gateway" and "Salesforce fake" in body["message"]


# -- exactly what is forwarded ------------------------------------------------------------------------------------
@pytest.fixture
def echo():
    """An upstream that answers what it received."""
    seen: list[dict] = []
    app = Flask("echo")

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def anything(path: str):
        seen.append({"method": request.method, "path": request.path, "query": request.query_string.decode(),
                     "headers": {k.lower(): v for k, v in request.headers.items()}, "body": request.get_data()})
        response = jsonify({"ok": True})
        response.status_code = 207
        response.headers["inin-correlation-id"] = "abc"
        response.headers["Set-Cookie"] = "x=y"
        return response

    server = serve_app(app, "127.0.0.1", 0, name="echo")
    yield server.url, seen
    server.stop()


def test_method_path_query_body_and_auth_are_forwarded_and_browser_headers_are_not(echo):
    url, seen = echo
    server = start_desktop({"genesys": url, "salesforce": url})
    try:
        answer = requests.patch(f"{server.url}/genesys/api/v2/x/y", params={"a": "1 2", "b": "é"},
                                data=b'{"state":"connected"}',
                                headers={"Authorization": "Bearer t0k", "Content-Type": "application/json",
                                         "inin-correlation-id": "c1", "Origin": server.url, "Cookie": "s=1",
                                         "Referer": server.url + "/", "Sec-Fetch-Site": "same-origin"})
    finally:
        server.stop()
    assert answer.status_code == 207 and answer.json() == {"ok": True}
    assert answer.headers["inin-correlation-id"] == "abc"
    (got,) = seen
    assert got["method"] == "PATCH" and got["path"] == "/api/v2/x/y"
    assert got["query"] == "a=1+2&b=%C3%A9"
    assert got["body"] == b'{"state":"connected"}'
    assert got["headers"]["authorization"] == "Bearer t0k"
    assert got["headers"]["content-type"] == "application/json"
    assert got["headers"]["inin-correlation-id"] == "c1"
    for header in ("origin", "cookie", "referer", "sec-fetch-site"):
        assert header not in got["headers"], header


def test_a_held_long_poll_does_not_block_other_calls(stack, desktop, http):
    """The page holds `/_fake/events` open while it clicks; both go through at once."""
    last = stack.world.journal.last_seq
    held: dict = {}

    def poll():
        held["answer"] = http.get(desktop.url + "/genesys/_fake/events", params={"after": last + 10_000, "wait": 3})

    thread = threading.Thread(target=poll)
    thread.start()
    other = requests.get(desktop.url + "/salesforce/_fake/health", timeout=2)
    assert other.status_code == 200 and thread.is_alive()
    thread.join()
    assert held["answer"].status_code == 200 and held["answer"].json()["events"] == []


def test_a_long_poll_answers_as_soon_as_an_event_arrives(stack, desktop, http):
    last = stack.world.journal.last_seq
    held: dict = {}

    def poll():
        started = time.monotonic()
        held["answer"] = http.get(desktop.url + "/genesys/_fake/events", params={"after": last, "wait": 20})
        held["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=poll)
    thread.start()
    assert http.post(desktop.url + "/salesforce/_fake/customers/chats",
                     json={"queue": stack.world.plan.queue_pairs[0].salesforce_developer_name}).status_code == 201
    thread.join(timeout=25)
    body = held["answer"].json()
    assert held["seconds"] < 10
    assert body["events"] and body["events"][0]["seq"] > last and body["lastSeq"] >= body["events"][-1]["seq"]


def test_stopping_the_desktop_does_not_wait_out_a_held_long_poll():
    """The page holds `/_fake/events?wait=25` open all the time; stopping the desktop must not wait it out."""
    arrived = threading.Event()
    app = Flask("holding")

    @app.get("/_fake/events")
    def events():
        arrived.set()
        time.sleep(float(request.args["wait"]))  # sleep-ok: a stand-in upstream holding a long-poll, as the fake does
        return jsonify({"events": [], "lastSeq": int(request.args["after"])})

    upstream = serve_app(app, "127.0.0.1", 0, name="holding")
    server = start_desktop({"genesys": upstream.url, "salesforce": upstream.url})
    thread = threading.Thread(target=lambda: requests.get(server.url + "/genesys/_fake/events",
                                                          params={"after": 7, "wait": 25}, timeout=30))
    thread.start()
    try:
        assert arrived.wait(10)
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 4
    finally:
        thread.join(timeout=30)
        upstream.stop()


# -- where the fakes are --------------------------------------------------------------------------------------
def test_targets_from_a_stack_a_stackinfo_or_urls(stack, tmp_path):
    from_stack = desktop_targets(stack)
    assert from_stack == DesktopTargets(stack.url("genesys"), stack.url("salesforce"), str(stack.ca.ca_path))
    info = StackInfo.from_stack(stack, tmp_path)
    assert desktop_targets(info) == from_stack
    assert desktop_targets({"genesys": "http://g", "salesforce": "http://s"}) == DesktopTargets("http://g", "http://s")
    with pytest.raises(ValueError, match="salesforce"):
        desktop_targets({"genesys": "http://g"})
    with pytest.raises(TypeError):
        desktop_targets(42)


def test_no_asset_is_left_out_of_the_package_data():
    """The page's assets must be in the installed package (a wheel), not only in the source tree."""
    import tomllib

    data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    patterns = [p for pats in data["tool"]["setuptools"].get("package-data", {}).values() for p in pats]
    from fnmatch import fnmatch

    for name in ASSET_NAMES:
        assert any(fnmatch(name, p.rsplit("/", 1)[-1]) for p in patterns), f"{name} matches no package-data pattern"

