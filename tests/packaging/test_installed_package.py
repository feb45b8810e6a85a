"""The package as a user installs it: a wheel in a fresh virtualenv, imported under its one distinctive name.

The wheel is built from a copy of the source tree (nothing is written into the repository) and installed with
`--no-deps` into a new virtualenv; that virtualenv sees the dependencies of the environment running these tests
through a `.pth` line, which adds the folder to `sys.path` without activating this checkout's editable install.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache")
# Packages of another distribution that share the generic names of the repository's folders.
UNRELATED = {"harness": "raise ImportError('an unrelated package named harness was imported')\n",
             "contracts": "NAME = 'an unrelated package named contracts'\n",
             "fakes": "NAME = 'an unrelated package named fakes'\n"}


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600, status: int = 0) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == status, \
        f"{' '.join(cmd)} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh virtualenv holding the wheel, the unrelated `harness`/`contracts`/`fakes` packages, and no checkout."""
    tmp = tmp_path_factory.mktemp("installed")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp / "dist"), str(source)],
         cwd=tmp)
    wheel = next((tmp / "dist").glob("omni_harness-*.whl"))
    env_dir = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], cwd=tmp)
    python = env_dir / "bin" / "python"
    site_packages = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              cwd=tmp).strip())
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", str(wheel)], cwd=tmp)
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "outer_dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(outer)))
    for name, body in UNRELATED.items():
        (site_packages / name).mkdir()
        (site_packages / name / "__init__.py").write_text(body)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env_dir, env


def test_the_package_imports_under_its_own_name_beside_unrelated_harness_and_contracts(installed, tmp_path):
    env_dir, env = installed
    out = _run([str(env_dir / "bin" / "python"), "-c", textwrap.dedent("""
        import json, contracts, fakes
        import omni_harness.harness.cli, omni_harness.fakes.runner, omni_harness.contracts, omni_harness.connectors
        import omni_harness.harness.features as features
        print(json.dumps({"cli": omni_harness.harness.cli.__file__, "contracts": contracts.NAME, "fakes": fakes.NAME,
                          "features": len(features.feature_files())}))
        """)], cwd=tmp_path, env=env)
    seen = json.loads(out)
    assert Path(seen["cli"]).is_relative_to(env_dir), seen["cli"]  # the wheel's copy, not this checkout
    assert seen["contracts"] == UNRELATED["contracts"].split("'")[1]
    assert seen["fakes"] == UNRELATED["fakes"].split("'")[1]
    assert seen["features"] > 0  # the feature files are package data of the wheel


def test_the_installed_command_certifies_beside_an_unrelated_harness(installed, tmp_path):
    env_dir, env = installed
    report = tmp_path / "report"
    _run([str(env_dir / "bin" / "omni-harness"), "certify", "-r", "PRES-1", "--media", "chat", "--workers", "1",
          "--report-dir", str(report)], cwd=tmp_path, env=env, status=3)  # 3: passed for the selection
    summary = json.loads((report / "summary.json").read_text())
    verdicts = {v["key"]: v["verdict"] for v in summary["requirements"]}
    assert verdicts == {"PRES-1 [chat]": "passed"}, verdicts


@pytest.mark.parametrize("example", ["tests/testing/test_chat_flow.py", "tests/examples/test_howto_mock_platforms.py"])
def test_the_plugin_and_mock_platforms_work_from_the_wheel(installed, tmp_path, example):
    """The plugin's fixtures (a whole chat flow with the reference connector) and `@mock_platforms` with
    simple-salesforce (no port), run by the virtualenv's pytest from a folder outside the repository."""
    env_dir, env = installed
    shutil.copy(ROOT / example, tmp_path / Path(example).name)
    out = _run([str(env_dir / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                Path(example).name], cwd=tmp_path, env=env)
    assert " passed" in out and "failed" not in out, out
