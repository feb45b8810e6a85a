"""The plugin as an installed user gets it: loaded only through its `pytest11` entry point, in a separate pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

USER_TESTS = '''
import sys

HEAVY = ("omni_harness.fakes", "flask", "responses", "omni_harness.harness.testing.people", "omni_harness.harness.connector")


def test_1_the_plugin_is_loaded_and_inert(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("omni_harness")
    assert pytestconfig.pluginmanager.has_plugin("omni_harness.harness.testing.fixtures")
    assert [m for m in HEAVY if m in sys.modules] == []


def test_2_a_customer_chat_reaches_salesforce(omni_fakes, agent, customer, wait_for):
    agent.go_on_queue()
    agent.set_omni_status("Online")
    chat = customer.open_chat()
    event = wait_for("sobject.change", entity="PendingServiceRouting", record__WorkItemId=chat.work_item_id)
    assert event["data"]["changeType"] == "CREATE"
    assert agent.omni_status() == "Online"
    assert omni_fakes.requests(source="salesforce", path="/omni-toolkit/v1/users/", status=200)


def test_3_each_test_starts_from_the_seeded_org(omni_fakes):
    assert omni_fakes.events(type="sobject.change") == []
'''


def test_the_plugin_works_when_loaded_only_through_its_entry_point(tmp_path: Path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_ADDOPTS",
                                                            "PYTEST_PLUGINS")}
    # Run from the temporary folder: no conftest.py, no pytest configuration, nothing on the path but the install.
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:randomly",
                           "test_user.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout, done.stdout[-2000:]


def test_with_autoload_off_it_loads_by_its_entry_point_name(tmp_path: Path):
    (tmp_path / "test_user.py").write_text(textwrap.dedent(USER_TESTS))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    base = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_user.py"]
    absent = subprocess.run([*base, "-k", "test_3"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert absent.returncode == 1 and "fixture 'omni_fakes' not found" in absent.stdout, absent.stdout[-2000:]
    loaded = subprocess.run([*base, "-p", "omni_harness", "-k", "test_1"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0 and "1 passed" in loaded.stdout, loaded.stdout[-2000:] + loaded.stderr[-2000:]
