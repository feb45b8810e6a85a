"""`omni-harness certify` arguments, the suite's location, and the pytest arguments it builds."""

from __future__ import annotations

from pathlib import Path

from omni_harness.harness.certify import pytest_args
from omni_harness.harness.cli import build_parser


def test_certify_takes_the_documented_options():
    args = build_parser().parse_args(["certify", "--connector", "node conn.js", "--profile", "core", "--timeout", "5",
                                      "-k", "Transfer", "--report-dir", "out"])
    assert (args.connector, args.profile, args.timeout, args.keyword, args.report_dir) == (
        "node conn.js", "core", 5.0, "Transfer", "out")
    exact = build_parser().parse_args(["certify", "-r", "PICK-2", "-r", "END-3"])
    assert exact.requirements == ["PICK-2", "END-3"]
    defaults = build_parser().parse_args(["certify"])
    assert defaults.connector is None and defaults.profile == "declared"


def test_serve_still_works_as_before():
    args = build_parser().parse_args(["serve", "--tls", "--agents", "4"])
    assert args.tls and args.agents == 4


def test_the_run_uses_its_own_ini_and_the_installed_suite(tmp_path: Path):
    args = pytest_args(connector=None, profile="core", timeout=3.0, keyword="PICK", report_dir=tmp_path / "r",
                       run_dir=tmp_path, workers=3)
    assert args[0].endswith("harness/suite/test_certification.py")
    assert args[args.index("-c") + 1] == str(tmp_path / "pytest.ini")
    assert ["-p", "omni_harness.harness.plugin"] == args[args.index("omni_harness.harness.plugin") - 1:args.index("omni_harness.harness.plugin") + 1]
    assert args[args.index("-n") + 1] == "3"
    assert args[args.index("--timeout") + 1] == "3.0"
    assert str(tmp_path / "r" / "junit.xml") in args
    assert "--connector" not in args  # the plugin's default: the bundled reference connector
