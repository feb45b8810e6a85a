"""`omni-harness serve`: runs both fakes until interrupted and hands out the connector environment."""

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

REQUIRED = ["GENESYS_API_URL", "GENESYS_LOGIN_URL", "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET",
            "SALESFORCE_INSTANCE_URL", "SALESFORCE_LOGIN_URL", "SALESFORCE_API_VERSION", "SALESFORCE_CLIENT_ID",
            "SALESFORCE_CLIENT_SECRET", "SALESFORCE_USERNAME", "SALESFORCE_PASSWORD", "OMNI_SYNC_SETTINGS",
            "CONNECTOR_STATE_DIR"]


def _start(args, tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "omni_harness.harness.cli", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    lines: list[str] = []
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    assert ready.wait(60), "serve did not come up"
    assert proc.poll() is None, "".join(lines)
    return proc, lines


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    assert proc.wait(20) == 0


def _env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line)


def test_serve_over_tls_writes_the_whole_connector_environment(tmp_path):
    env_file = tmp_path / "connector.env"
    proc, lines = _start(["--tls", "--seed", "5", "--agents", "3", "--env-file", str(env_file),
                          "--workdir", str(tmp_path / "work")], tmp_path)
    try:
        env = _env_file(env_file)
        for key in REQUIRED + ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"]:
            assert env.get(key), f"{key} missing from the env file"
        printed = "".join(lines)
        assert all(f"{k}={v}" in printed for k, v in env.items()), "the printed environment differs from the file"
        assert env["SALESFORCE_API_VERSION"] == "67.0"
        ca = env["SSL_CERT_FILE"]
        assert env["GENESYS_API_URL"].startswith("https://")
        for base in (env["GENESYS_API_URL"], env["SALESFORCE_INSTANCE_URL"]):
            health = requests.get(f"{base}/_fake/health", verify=ca, timeout=10).json()
            assert health["seed"] == 5 and health["agents"] == 3
        settings = __import__("json").loads(Path(env["OMNI_SYNC_SETTINGS"]).read_text())
        assert settings["presence"]["ON_QUEUE"] == "Online" and settings["queues"]
        token = requests.post(f"{env['GENESYS_LOGIN_URL']}/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"]), verify=ca, timeout=10)
        assert token.status_code == 200 and token.json()["access_token"]
        sf = requests.post(f"{env['SALESFORCE_LOGIN_URL']}/services/oauth2/token", verify=ca, timeout=10,
                           data={"grant_type": "password", "client_id": env["SALESFORCE_CLIENT_ID"],
                                 "client_secret": env["SALESFORCE_CLIENT_SECRET"],
                                 "username": env["SALESFORCE_USERNAME"], "password": env["SALESFORCE_PASSWORD"]})
        assert sf.status_code == 200 and sf.json()["instance_url"] == env["SALESFORCE_INSTANCE_URL"]
        desktop = next(line.split()[2] for line in lines if line.strip().startswith("agent desktop"))
        page = requests.get(desktop, timeout=10)
        assert page.status_code == 200 and "Agent desktop" in page.text
        # The page reaches the fakes through the desktop's own origin.
        forwarded = requests.get(f"{desktop.rstrip('/')}/genesys/_fake/health", timeout=10)
        assert forwarded.status_code == 200 and forwarded.json()["seed"] == 5
    finally:
        _stop(proc)


def test_serve_plain_http_on_asked_ports(tmp_path):
    import socket

    ports = []
    for _ in range(2):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1])
        s.close()
    proc, lines = _start(["--genesys-port", str(ports[0]), "--salesforce-port", str(ports[1])], tmp_path)
    try:
        printed = "".join(lines)
        assert f"GENESYS_API_URL=http://127.0.0.1:{ports[0]}" in printed
        assert f"SALESFORCE_INSTANCE_URL=http://127.0.0.1:{ports[1]}" in printed
        assert "SSL_CERT_FILE" not in printed
        assert requests.get(f"http://127.0.0.1:{ports[0]}/_fake/health", timeout=10).status_code == 200
    finally:
        _stop(proc)


@pytest.mark.parametrize("args", [["--agents", "0"], ["--genesys-port", "x"]])
def test_bad_arguments_exit_2_with_a_message(args, tmp_path):
    result = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "serve", *args], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and result.stderr.strip()


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    try:
        result = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "serve", "--genesys-port",
                                 str(s.getsockname()[1])], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    finally:
        s.close()
    assert result.returncode == 2 and "cannot start" in result.stderr


def test_serve_media_messaging_answers_chat_as_today_and_hands_out_messaging_settings(tmp_path):
    """`serve --media messaging`: the org a current-SDK connector sees: the chat endpoints are gone (404 like any
    unknown path), Open Messaging answers, and the sync settings name messaging alone."""
    env_file = tmp_path / "connector.env"
    proc, _ = _start(["--media", "messaging", "--env-file", str(env_file), "--workdir", str(tmp_path / "w")], tmp_path)
    try:
        env = _env_file(env_file)
        token = requests.post(f"{env['GENESYS_LOGIN_URL']}/oauth/token", data={"grant_type": "client_credentials"},
                              auth=(env["GENESYS_CLIENT_ID"], env["GENESYS_CLIENT_SECRET"]), timeout=10).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        chats = requests.get(f"{env['GENESYS_API_URL']}/api/v2/conversations/chats", headers=headers, timeout=10)
        assert chats.status_code == 404 and chats.json()["code"] == "not.found"
        integrations = requests.get(f"{env['GENESYS_API_URL']}/api/v2/conversations/messaging/integrations/open",
                                    headers=headers, timeout=10)
        assert integrations.status_code == 200
        assert {i["name"] for i in integrations.json()["entities"]} >= {"Salesforce Messaging 1"}
        settings = __import__("json").loads(Path(env["OMNI_SYNC_SETTINGS"]).read_text())
        assert settings["media"] == "messaging" and settings["serviceChannel"] == "sfdc_livemessage"
        assert settings["queues"] and all(q["media"] == "messaging" and q["openMessagingIntegration"]
                                          for q in settings["queues"])
    finally:
        _stop(proc)
