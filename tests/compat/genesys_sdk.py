"""The current PureCloudPlatformClientV2 release, installed on its own for the tests that run it in a subprocess.

SDK 263 (pinned for the chat endpoints) and 269 cannot share one environment, so a test installs 269 once with
`pip install --target` into the pytest cache and runs its check in a subprocess with that folder first on
PYTHONPATH. A module of its own (not conftest.py) so the test modules import it by name.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SDK_VERSION = "269.0.0"


def install_sdk(cache_dir: Path) -> Path:
    """SDK 269 in a folder of its own, installed once per pytest cache; a failed install fails the test."""
    target = cache_dir / f"PureCloudPlatformClientV2-{SDK_VERSION}"
    marker = target / ".installed"
    if marker.exists():
        return target
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--target", str(target), "--upgrade", f"PureCloudPlatformClientV2=={SDK_VERSION}"],
        capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(
            f"could not install PureCloudPlatformClientV2=={SDK_VERSION} into {target} (network access to the "
            f"package index is needed once):\n{proc.stdout}\n{proc.stderr}")
    marker.write_text(SDK_VERSION)
    return target


def sdk_folder(request: Any) -> Path:
    """Where SDK 269 is installed for this run: the pytest cache, or a temporary folder without one."""
    cache = getattr(request.config, "cache", None)  # absent under `-p no:cacheprovider`
    cache_dir = Path(cache.mkdir("genesys-sdk")) if cache else Path(tempfile.gettempdir()) / "omni-harness-genesys-sdk"
    return install_sdk(cache_dir)


def run_check(script: str, target: Path, stack: Any) -> tuple[dict[str, Any], list[str | None]]:
    """Runs `script URL CLIENT_ID SECRET` with SDK 269 first on the path against the stack's Genesys fake; answers
    what the script printed (its last line, JSON) and, for every response the SDK received, the contracts/genesys
    schema it matched (None for a response no schema names)."""
    import json
    import os

    from omni_harness.fakes.genesys.routes.conformance import check_response

    creds = stack.world.plan.credentials
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, script, stack.url("genesys"), creds.genesys_client_id,
                           creds.genesys_client_secret], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"SDK {SDK_VERSION} check failed:\n{proc.stdout}\n{proc.stderr}"
    app = stack.fakes["genesys"].app
    checked = [check_response(app, e.data["method"], e.data["path"], e.data["status"], e.data["responseBody"])
               for e in stack.world.journal.since(0, kinds=["request"], source="genesys")]
    return json.loads(proc.stdout.strip().splitlines()[-1]), checked
