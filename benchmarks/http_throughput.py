"""Benchmark: REST throughput of the two fakes side by side with WireMock, Prism and moto_server, in one run.

Every peer gets the same `wrk` load (default `-t2 -c16 -d8s`, after a 3 s warm-up run of the same request, so
the JVM has compiled its hot path) on loopback, one peer at a time, each server in its own process and stopped
before the next one starts:

  WireMock     standalone jar of the npm package `wiremock`, on the machine's Java; two stubs mirroring the
               Genesys fake's requests (the authenticated GET and the JSON PATCH below); http and https.
  Prism        `prism mock` (npm `@stoplight/prism-cli`) of a small OpenAPI document with the same two
               operations (bearer security, a request body schema, examples).
  moto_server  `moto[server]` from PyPI: S3 GetObject of a small JSON object, and DynamoDB GetItem (a JSON POST).
  Genesys fake `GET /api/v2/users/{id}/routingstatus` and `PATCH /api/v2/users/{id}/presences/purecloud`
               (Available -> Available) with a client-credentials bearer token; http and https.
  Salesforce   `GET /services/data/v67.0/sobjects/User/{id}`, a SOQL query (GET), and
  fake         `PATCH /services/data/v67.0/sobjects/User/{id}` (an unchanged CommunityNickname) with a
               session token; http and https.

The fakes are served by `omni-harness serve` (ephemeral ports, `--tls` for https) in a separate process, as
users run them. Peers are installed on first use into `benchmarks/.peers/` (git-ignored): npm packages with
`npm install --prefix`, moto into a venv; `wrk` with `apt-get` when missing (needs root).

Run from the repository root (about 4 minutes):
    python benchmarks/http_throughput.py [--json results.json] [--duration 8s] [--peers wiremock genesys ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_DIR = Path(__file__).resolve().parent / ".peers"
NODE_DIR = PEERS_DIR / "node"
MOTO_VENV = PEERS_DIR / "moto-venv"
WIREMOCK_NPM = "wiremock@3.13.2"
PRISM_NPM = "@stoplight/prism-cli@5.14.2"
MOTO_PIP = "moto[server]==5.2.5"
START_TIMEOUT = 90.0  # seconds a server gets to start listening (the JVM and npm tools are slow on a busy machine)
AVAILABLE = "6a3af858-942f-489d-9700-5f9bcdcdae9b"  # Genesys system presence "Available"
SF_VERSION = "67.0"

ALL_PEERS = ["wiremock", "prism", "moto", "genesys", "salesforce"]


# -- what is measured ------------------------------------------------------------------------------
@dataclass
class Case:
    """One request replayed by wrk: `kind` pairs it with WireMock's row of the same kind for the ratio."""

    peer: str
    request: str
    kind: str  # "get" | "write" | "query"
    scheme: str
    url: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    expect_status: int = 200
    server_pgid: int = 0  # the server's process group, whose CPU time the run is charged


@dataclass
class Result:
    peer: str
    request: str
    kind: str
    scheme: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    server_cpu_s: float | None = None  # CPU seconds the server's processes used during the measured run
    req_per_cpu_s: float | None = None  # requests per server CPU second: less sensitive to a busy machine
    ratio_to_wiremock: float | None = None


# -- small helpers ---------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | str | None = None, headers: dict[str, str] | None = None,
         ctx: ssl.SSLContext | None = None, timeout: float = 10.0) -> tuple[int, bytes]:
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_http(url: str, proc: subprocess.Popen, ctx: ssl.SSLContext | None = None) -> None:
    """Until `url` answers at all (any status), or the server died, or START_TIMEOUT passed."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening ({url})")
        try:
            http("GET", url, ctx=ctx, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT:.0f} s")


def stop_process(proc: subprocess.Popen, name: str) -> None:
    """SIGTERM the server's process group (npm tools and the JVM fork), SIGKILL after 10 s."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # Children that outlived their leader (a wrapper's JVM) still carry the group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    log(f"{name} stopped")


@contextlib.contextmanager
def server(cmd: list[str], name: str, logfile: Path, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, env=env, cwd=cwd)
        try:
            yield proc
        finally:
            stop_process(proc, name)


# -- installing the tools --------------------------------------------------------------------------
def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk missing: apt-get install -y wrk")
    # Other jobs on a shared machine may hold the dpkg lock for a while; wait for it rather than fail.
    lock = ["-o", "DPkg::Lock::Timeout=300"]
    subprocess.run(["apt-get", *lock, "update", "-qq"], check=True)
    subprocess.run(["apt-get", *lock, "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is still missing after apt-get install")
    return found


def ensure_node_packages() -> None:
    wanted = {"wiremock": WIREMOCK_NPM, "@stoplight/prism-cli": PRISM_NPM}
    missing = [spec for pkg, spec in wanted.items()
               if _npm_version(pkg) != spec.rsplit("@", 1)[1]]
    if missing:
        if not shutil.which("npm"):
            raise RuntimeError("npm is needed to install WireMock and Prism")
        log(f"npm install {' '.join(missing)} into {NODE_DIR}")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--loglevel=error",
                        *missing], check=True)


def _npm_version(package: str) -> str | None:
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text()).get("version")


def ensure_moto() -> Path:
    exe = MOTO_VENV / "bin" / "moto_server"
    pinned = MOTO_PIP.split("==", 1)[1]
    have = subprocess.run([str(MOTO_VENV / "bin" / "python"), "-c",
                           "import importlib.metadata as m; print(m.version('moto'))"],
                          capture_output=True, text=True).stdout.strip() if exe.exists() else ""
    if have != pinned:
        log(f"pip install {MOTO_PIP} into {MOTO_VENV}")
        if not (MOTO_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(MOTO_VENV)], check=True)
        subprocess.run([str(MOTO_VENV / "bin" / "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", MOTO_PIP], check=True)
    return exe


# -- running wrk -----------------------------------------------------------------------------------
WRK_DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for this ASCII content


def wrk_script(case: Case, folder: Path) -> Path:
    lines = [f"wrk.method = {lua_string(case.method)}"]
    for key, value in case.headers.items():
        lines.append(f"wrk.headers[{lua_string(key)}] = {lua_string(value)}")
    if case.body is not None:
        lines.append(f"wrk.body = {lua_string(case.body)}")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{case.peer}-{case.scheme}-{case.kind}").strip("-").lower()
    path = folder / f"{slug}.lua"
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def check_case(case: Case, ctx: ssl.SSLContext | None) -> None:
    """One request before the load: the peer answers this request with the status it should."""
    status, body = http(case.method, case.url, case.body, case.headers, ctx=ctx)
    if status != case.expect_status:
        raise RuntimeError(f"{case.peer} {case.request}: {status} instead of {case.expect_status}: {body[:300]!r}")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of every live process in process group `pgid` (all their threads)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        # after the command name: state, ppid, pgrp, ..., utime (14th field of the line) and stime (15th)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_wrk(wrk: str, case: Case, args: argparse.Namespace, folder: Path) -> Result:
    script = wrk_script(case, folder)
    base = [wrk, f"-t{args.threads}", f"-c{args.connections}", "--timeout", "5s", "-s", str(script)]
    if args.warmup:
        subprocess.run([*base, f"-d{args.warmup}", case.url], capture_output=True, text=True, timeout=120)
    cpu_before = group_cpu_seconds(case.server_pgid) if case.server_pgid else None
    proc = subprocess.run([*base, f"-d{args.duration}", "--latency", case.url], capture_output=True, text=True,
                          timeout=300)
    cpu = group_cpu_seconds(case.server_pgid) - cpu_before if cpu_before is not None else None
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result for {case.peer} {case.request}: {proc.stdout}{proc.stderr}")
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    seconds = raw["duration_us"] / 1e6
    errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]}
    return Result(case.peer, case.request, case.kind, case.scheme, raw["requests"], round(seconds, 2),
                  round(raw["requests"] / seconds, 1), raw["p50"] / 1000, raw["p90"] / 1000, raw["p99"] / 1000,
                  raw["max"] / 1000, errors, round(cpu, 2) if cpu is not None else None,
                  round(raw["requests"] / cpu) if cpu else None)


# -- the peers -------------------------------------------------------------------------------------
# The Genesys requests, mirrored by WireMock's stubs and Prism's document so that the load is the same.
GENESYS_USER = "e3e70682-c209-4cac-a29f-6fbed82c07cd"
ROUTING_STATUS_BODY = {"userId": GENESYS_USER, "status": "IDLE", "startTime": "2026-12-03T09:00:00.000Z"}
PRESENCE_REQUEST = json.dumps({"presenceDefinition": {"id": AVAILABLE}})
PRESENCE_BODY = {"source": "PURECLOUD", "primary": True,
                 "presenceDefinition": {"id": AVAILABLE, "systemPresence": "Available"},
                 "modifiedDate": "2026-12-03T09:00:00.000Z"}
STUB_TOKEN = "Bearer bench-token-0123456789abcdef"


def genesys_cases(peer: str, base: str, scheme: str, token: str, user_id: str) -> list[Case]:
    auth = {"Authorization": token}
    return [
        Case(peer, "GET routingstatus", "get", scheme, f"{base}/api/v2/users/{user_id}/routingstatus", "GET", auth),
        Case(peer, "PATCH presence (JSON)", "write", scheme, f"{base}/api/v2/users/{user_id}/presences/purecloud",
             "PATCH", {**auth, "Content-Type": "application/json"}, PRESENCE_REQUEST),
    ]


def wiremock_cases(wrk: str, args, folder: Path) -> Iterator[Case | Result]:
    jar = next((NODE_DIR / "node_modules" / "wiremock" / "build").glob("wiremock-standalone-*.jar"))
    port, tls_port = free_port(), free_port()
    cmd = ["java", "-jar", str(jar), "--bind-address", "127.0.0.1", "--port", str(port), "--https-port",
           str(tls_port), "--disable-banner", "--root-dir", str(folder / "wiremock")]
    (folder / "wiremock" / "mappings").mkdir(parents=True, exist_ok=True)
    with server(cmd, "WireMock", folder / "wiremock.log") as proc:
        proc_base = f"http://127.0.0.1:{port}"
        wait_http(f"{proc_base}/__admin/health", proc)
        stubs = [
            {"request": {"method": "GET", "urlPathPattern": "/api/v2/users/[^/]+/routingstatus",
                         "headers": {"Authorization": {"matches": "Bearer .+"}}},
             "response": {"status": 200, "jsonBody": ROUTING_STATUS_BODY,
                          "headers": {"Content-Type": "application/json"}}},
            {"request": {"method": "PATCH", "urlPathPattern": "/api/v2/users/[^/]+/presences/purecloud",
                         "headers": {"Authorization": {"matches": "Bearer .+"}},
                         "bodyPatterns": [{"matchesJsonPath": "$.presenceDefinition.id"}]},
             "response": {"status": 200, "jsonBody": PRESENCE_BODY,
                          "headers": {"Content-Type": "application/json"}}},
        ]
        for stub in stubs:
            status, body = http("POST", f"{proc_base}/__admin/mappings", json.dumps(stub),
                                {"Content-Type": "application/json"})
            if status != 201:
                raise RuntimeError(f"WireMock refused a stub: {status} {body[:200]!r}")
        insecure = ssl._create_unverified_context()  # WireMock's own self-signed certificate
        for scheme, base, ctx in (("http", proc_base, None), ("https", f"https://127.0.0.1:{tls_port}", insecure)):
            for case in genesys_cases("WireMock", base, scheme, STUB_TOKEN, GENESYS_USER):
                check_case(case, ctx)
                case.server_pgid = proc.pid
                yield case


PRISM_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "routing status (benchmark)", "version": "1.0"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "RoutingStatus": {"type": "object", "required": ["userId", "status"],
                              "properties": {"userId": {"type": "string"}, "status": {
                                  "type": "string", "enum": ["OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING",
                                                             "COMMUNICATING"]},
                                  "startTime": {"type": "string", "format": "date-time"}}},
            "PresenceRequest": {"type": "object", "required": ["presenceDefinition"], "properties": {
                "presenceDefinition": {"type": "object", "required": ["id"],
                                       "properties": {"id": {"type": "string"}}}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v2/users/{userId}/routingstatus": {"get": {
            "parameters": [{"name": "userId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/RoutingStatus"}, "example": ROUTING_STATUS_BODY}}}}}},
        "/api/v2/users/{userId}/presences/purecloud": {"patch": {
            "parameters": [{"name": "userId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/PresenceRequest"}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {
                "example": PRESENCE_BODY}}}}}},
    },
}


def prism_cases(wrk: str, args, folder: Path) -> Iterator[Case]:
    doc = folder / "prism-openapi.json"
    doc.write_text(json.dumps(PRISM_DOCUMENT, indent=2))
    port = free_port()
    cmd = [str(NODE_DIR / "node_modules" / ".bin" / "prism"), "mock", "-h", "127.0.0.1", "-p", str(port), str(doc)]
    with server(cmd, "Prism", folder / "prism.log") as proc:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/api/v2/users/{GENESYS_USER}/routingstatus", proc)
        for case in genesys_cases("Prism", base, "http", STUB_TOKEN, GENESYS_USER):
            check_case(case, None)
            case.server_pgid = proc.pid
            yield case


def moto_cases(wrk: str, args, folder: Path) -> Iterator[Case]:
    exe = ensure_moto()
    port = free_port()
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    with server([str(exe), "-H", "127.0.0.1", "-p", str(port)], "moto_server", folder / "moto.log", env) as proc:
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/moto-api/", proc)

        # moto_server serves every service on one port and tells them apart by the SigV4 credential scope;
        # it does not check the signature.
        def auth(service: str) -> str:
            return (f"AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/20261203/us-east-1/{service}/aws4_request, "
                    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)

        s3 = {"Authorization": auth("s3"), "x-amz-date": "20261203T090000Z"}
        for method, path, body in (("PUT", "/bench-bucket", None),
                                   ("PUT", "/bench-bucket/routingstatus.json", json.dumps(ROUTING_STATUS_BODY))):
            status, text = http(method, base + path, body, s3)
            if status != 200:
                raise RuntimeError(f"moto S3 setup {method} {path}: {status} {text[:200]!r}")

        def dynamo(target: str) -> dict[str, str]:
            return {"Authorization": auth("dynamodb"), "x-amz-date": "20261203T090000Z",
                    "X-Amz-Target": f"DynamoDB_20120810.{target}", "Content-Type": "application/x-amz-json-1.0"}

        table = {"TableName": "routing", "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
                 "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"}],
                 "BillingMode": "PAY_PER_REQUEST"}
        item = {"TableName": "routing", "Item": {"userId": {"S": GENESYS_USER}, "status": {"S": "IDLE"}}}
        for target, body in (("CreateTable", table), ("PutItem", item)):
            status, text = http("POST", base + "/", json.dumps(body), dynamo(target))
            if status != 200:
                raise RuntimeError(f"moto DynamoDB {target}: {status} {text[:200]!r}")
        get_item = json.dumps({"TableName": "routing", "Key": {"userId": {"S": GENESYS_USER}}})
        cases = [Case("moto_server", "GET S3 object", "get", "http", f"{base}/bench-bucket/routingstatus.json",
                      "GET", s3),
                 Case("moto_server", "POST DynamoDB GetItem (JSON)", "write", "http", f"{base}/", "POST",
                      dynamo("GetItem"), get_item)]
        for case in cases:
            check_case(case, None)
            case.server_pgid = proc.pid
            yield case


@dataclass
class FakeStack:
    env: dict[str, str]
    ctx: ssl.SSLContext | None
    pgid: int = 0


@contextlib.contextmanager
def serve_fakes(tls: bool, folder: Path) -> Iterator[FakeStack]:
    """`omni-harness serve` in its own process; ready once it has written the connector environment file."""
    workdir = folder / ("fakes-tls" if tls else "fakes-http")
    env_file = workdir / "connector.env"
    env_file.unlink(missing_ok=True)  # its appearance is the readiness signal
    cli = Path(sys.executable).with_name("omni-harness")
    cmd = [str(cli)] if cli.exists() else [sys.executable, "-c", "from omni_harness.harness.cli import main; main()"]
    cmd += ["serve", "--workdir", str(workdir), "--env-file", str(env_file)] + (["--tls"] if tls else [])
    with server(cmd, f"omni-harness serve{' --tls' if tls else ''}", folder / f"fakes-{'tls' if tls else 'http'}.log",
                cwd=ROOT) as proc:
        deadline = time.monotonic() + START_TIMEOUT
        while not env_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"omni-harness serve did not start (see {folder})")
            time.sleep(0.1)
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        ctx = ssl.create_default_context(cafile=values["SSL_CERT_FILE"]) if tls else None
        yield FakeStack(values, ctx, proc.pid)


def fake_cases(fakes: FakeStack, scheme: str, which: list[str]) -> Iterator[Case]:
    env, ctx = fakes.env, fakes.ctx
    if "genesys" in which:
        base = env["GENESYS_API_URL"]
        status, body = http("POST", f"{base}/oauth/token", "grant_type=client_credentials",
                            {"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": "Basic " + _basic(env["GENESYS_CLIENT_ID"],
                                                                env["GENESYS_CLIENT_SECRET"])}, ctx)
        if status != 200:
            raise RuntimeError(f"Genesys token: {status} {body[:200]!r}")
        token = "Bearer " + json.loads(body)["access_token"]
        status, body = http("GET", f"{base}/api/v2/users?pageSize=1", headers={"Authorization": token}, ctx=ctx)
        user_id = json.loads(body)["entities"][0]["id"]
        for case in genesys_cases("Genesys fake", base, scheme, token, user_id):
            check_case(case, ctx)
            case.server_pgid = fakes.pgid
            yield case
    if "salesforce" in which:
        base = env["SALESFORCE_INSTANCE_URL"]
        form = urllib.parse.urlencode({
            "grant_type": "password", "client_id": env["SALESFORCE_CLIENT_ID"],
            "client_secret": env["SALESFORCE_CLIENT_SECRET"], "username": env["SALESFORCE_USERNAME"],
            "password": env["SALESFORCE_PASSWORD"]})
        status, body = http("POST", f"{base}/services/oauth2/token", form,
                            {"Content-Type": "application/x-www-form-urlencoded"}, ctx)
        if status != 200:
            raise RuntimeError(f"Salesforce token: {status} {body[:200]!r}")
        auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
        api = f"{base}/services/data/v{SF_VERSION}"
        soql = "SELECT Id, Name, CommunityNickname FROM User WHERE IsActive = true ORDER BY Name LIMIT 5"
        status, body = http("GET", f"{api}/query?q={urllib.parse.quote_plus(soql)}", headers=auth, ctx=ctx)
        agent = json.loads(body)["records"][-1]
        patch = json.dumps({"CommunityNickname": agent.get("CommunityNickname") or "bench"})
        cases = [
            Case("Salesforce fake", "GET sobjects/User/{id}", "get", scheme, f"{api}/sobjects/User/{agent['Id']}",
                 "GET", auth),
            Case("Salesforce fake", "GET query (SOQL)", "query", scheme,
                 f"{api}/query?q={urllib.parse.quote_plus(soql)}", "GET", auth),
            Case("Salesforce fake", "PATCH sobjects/User/{id} (JSON)", "write", scheme,
                 f"{api}/sobjects/User/{agent['Id']}", "PATCH", {**auth, "Content-Type": "application/json"}, patch,
                 expect_status=204),
        ]
        for case in cases:
            check_case(case, ctx)
            case.server_pgid = fakes.pgid
            yield case


def _basic(user: str, password: str) -> str:
    import base64

    return base64.b64encode(f"{user}:{password}".encode()).decode()


# -- the run ---------------------------------------------------------------------------------------
def measure(wrk: str, cases: Iterator[Case], args, folder: Path, results: list[Result]) -> None:
    """Run wrk on each case; closing the generator stops its server even when a case fails."""
    with contextlib.closing(cases):
        for case in cases:
            _measure_one(wrk, case, args, folder, results)


def _measure_one(wrk: str, case: Case, args, folder: Path, results: list[Result]) -> None:
    log(f"{case.peer} {case.scheme} {case.request}: wrk -t{args.threads} -c{args.connections} -d{args.duration}")
    result = run_wrk(wrk, case, args, folder)
    log(f"  {result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
        + (f", errors {result.errors}" if result.errors else ""))
    results.append(result)


def add_ratios(results: list[Result]) -> None:
    """Each row against WireMock's row of the same request kind and scheme (a SOQL GET against its GET)."""
    wiremock = {(r.kind, r.scheme): r.rps for r in results if r.peer == "WireMock"}
    for r in results:
        base = wiremock.get(("get" if r.kind == "query" else r.kind, r.scheme))
        r.ratio_to_wiremock = round(r.rps / base, 2) if base else None


def table(results: list[Result]) -> str:
    head = "| peer | scheme | request | req/s | p50 ms | p99 ms | errors | × WireMock | req/CPU-s |"
    rows = [head, "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ratio = f"{r.ratio_to_wiremock:.2f}" if r.ratio_to_wiremock is not None else "–"
        per_cpu = f"{r.req_per_cpu_s:,.0f}" if r.req_per_cpu_s else "–"
        errors = sum(r.errors.values())
        rows.append(f"| {r.peer} | {r.scheme} | {r.request} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                    f"{errors} | {ratio} | {per_cpu} |")
    return "\n".join(rows)


def machine() -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpus": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "python": platform.python_version(), "load_average": [round(x, 2) for x in os.getloadavg()]}


def summarize(files: list[str]) -> str:
    """Several runs' `--json` files as one table: the median req/s and ratio, and each run's req/s."""
    import statistics

    runs = [json.loads(Path(f).read_text()) for f in files]
    rows: dict[tuple[str, str, str], list[dict]] = {}
    for run in runs:
        for r in run["results"]:
            rows.setdefault((r["peer"], r["scheme"], r["request"]), []).append(r)
    loads = ", ".join(f"{run['machine_before']['load_average'][0]:.0f}–{run['machine_after']['load_average'][0]:.0f}"
                      for run in runs)
    out = [f"{len(runs)} runs; 1-minute load average before–after each run: {loads}", "",
           "| peer | scheme | request | req/s (median) | each run | p50 ms (median) | p99 ms (median) "
           "| × WireMock (median) | each run | req/CPU-s (median) |",
           "|---|---|---|---:|---|---:|---:|---:|---|---:|"]
    for (peer, scheme, request), rs in rows.items():
        ratios = [r["ratio_to_wiremock"] for r in rs if r["ratio_to_wiremock"] is not None]
        rps = [r["rps"] for r in rs]
        each_rps = ", ".join(f"{x:,.0f}" for x in rps)
        each_ratio = ", ".join(f"{x:.2f}" for x in ratios)
        ratio = f"{statistics.median(ratios):.2f}" if ratios else "–"
        per_cpu = [r["req_per_cpu_s"] for r in rs if r.get("req_per_cpu_s")]
        cpu = f"{statistics.median(per_cpu):,.0f}" if per_cpu else "–"
        out.append(
            f"| {peer} | {scheme} | {request} | {statistics.median(rps):,.0f} | {each_rps} | "
            f"{statistics.median(r['p50_ms'] for r in rs):.1f} | {statistics.median(r['p99_ms'] for r in rs):.0f} | "
            f"{ratio} | {each_ratio} | {cpu} |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c (default 16)")
    parser.add_argument("--duration", default="8s", help="wrk -d per request (default 8s)")
    parser.add_argument("--warmup", default="3s", help="a wrk run of this length first, not counted ('' for none)")
    parser.add_argument("--peers", nargs="+", choices=ALL_PEERS, default=ALL_PEERS, help="which servers to measure")
    parser.add_argument("--schemes", nargs="+", choices=["http", "https"], default=["http", "https"],
                        help="for the fakes: plain HTTP, TLS or both (default both)")
    parser.add_argument("--json", metavar="FILE", help="also write the results and the machine's facts here")
    parser.add_argument("--summarize", nargs="+", metavar="JSON",
                        help="measure nothing: print the median and spread of earlier runs' --json files")
    args = parser.parse_args(argv)
    if args.summarize:
        print(summarize(args.summarize))
        return 0
    # A terminated benchmark still stops its servers: SIGTERM unwinds like Ctrl+C through their `finally`s.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    wrk = ensure_wrk()
    if {"wiremock", "prism"} & set(args.peers):
        ensure_node_packages()
    if "moto" in args.peers:
        ensure_moto()
    facts_before = machine()
    results: list[Result] = []
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="run-", dir=PEERS_DIR) as scratch:
        folder = Path(scratch)
        if "wiremock" in args.peers:
            measure(wrk, wiremock_cases(wrk, args, folder), args, folder, results)
        if "prism" in args.peers:
            measure(wrk, prism_cases(wrk, args, folder), args, folder, results)
        if "moto" in args.peers:
            measure(wrk, moto_cases(wrk, args, folder), args, folder, results)
        which = [p for p in ("genesys", "salesforce") if p in args.peers]
        for scheme in (s for s in ("http", "https") if which and s in args.schemes):
            with serve_fakes(scheme == "https", folder) as fakes:
                measure(wrk, fake_cases(fakes, scheme, which), args, folder, results)
    add_ratios(results)
    facts = machine()
    print(f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration} (after a {args.warmup or '0s'} warm-up), "
          f"loopback; {facts['cpus']} CPUs ({facts['cpu']}), load average before {facts_before['load_average']}, "
          f"after {facts['load_average']}\n")
    print(table(results))
    if args.json:
        out = {"command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
               "wrk": {"threads": args.threads, "connections": args.connections, "duration": args.duration,
                       "warmup": args.warmup},
               "machine_before": facts_before, "machine_after": facts,
               "versions": {"wiremock": WIREMOCK_NPM, "prism": PRISM_NPM, "moto": MOTO_PIP},
               "results": [asdict(r) for r in results]}
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
