"""The sensitivity table's pieces, without certifying anything: verdict matching, rendering, the README section."""

from __future__ import annotations

from pathlib import Path

import pytest

from omni_harness.connectors.broken.manifest import BrokenManifest, ManifestError, load
from omni_harness.connectors.broken.table import END, HEADING, START, Run, read_section, render_section, replace_section


def manifest(must_fail=("END-1",), gaps=None, profiles=("core", "extended"), package="ignores_something",
             media=("chat",), by_medium=None):
    return BrokenManifest(package, f"broken-{package}", "1.0.0", f"python -m omni_harness.connectors.broken.{package}",
                          tuple(profiles), tuple(media), "Ignores something.", tuple(must_fail), Path("x"),
                          dict(gaps or {}), dict(by_medium or {}))


def run(m: BrokenManifest, medium: str = "chat", **verdicts: str) -> Run:
    """A run with verdicts on one medium (`END_1="failed"` is `END-1 [chat]`)."""
    r = Run(m, m.certify_profile, Path("/tmp/none"))
    r.verdicts = {f"{k.replace('_', '-')} [{medium}]": v for k, v in verdicts.items()}
    return r


def test_exactly_the_declared_requirements_fail() -> None:
    m = manifest(("END-1", "END-2"))
    assert run(m, END_1="failed", END_2="failed", PICK_1="passed").mismatch() is None
    missed = run(m, END_1="failed", END_2="passed", PICK_1="passed").mismatch()
    assert missed and "declared but passed (not caught): END-2 [chat]" in missed
    extra = run(m, END_1="failed", END_2="failed", PICK_1="failed").mismatch()
    assert extra and "failed but not declared: PICK-1 [chat]" in extra
    unrun = run(m, END_1="failed", END_2="failed", PICK_1="not run").mismatch()
    assert unrun and "neither passed nor failed: PICK-1 [chat]" in unrun
    absent = run(m, END_1="failed").mismatch()
    assert absent and "not in the 'extended' run: END-2 [chat]" in absent


def test_a_run_without_verdicts_is_a_mismatch() -> None:
    r = run(manifest())
    r.error = "the connector did not start"
    assert "no verdicts: the connector did not start" in (r.mismatch() or "")


def test_a_suite_gap_may_go_either_way_and_shows_as_a_gap() -> None:
    m = manifest(("ROUTE-1", "PICK-2"), gaps={"PICK-2": "races with the click"})
    caught, missed = run(m, ROUTE_1="failed", PICK_2="failed"), run(m, ROUTE_1="failed", PICK_2="passed")
    assert caught.mismatch() is None and missed.mismatch() is None
    assert render_section([caught]) == render_section([missed])
    assert "| ✗ | ○ |" in render_section([caught])
    only_gaps = run(manifest(("RES-6",), gaps={"RES-6": "not checked"}), RES_6="passed")
    assert only_gaps.mismatch() is None and not only_gaps.caught


def test_table_has_a_row_per_connector_and_a_column_per_certified_requirement() -> None:
    a = run(manifest(("END-1",), package="a_one"), PRES_1="passed", END_1="failed")
    b = run(manifest(("RES-6",), profiles=("core", "resilience"), package="b_two"),
            PRES_1="passed", END_1="passed", RES_6="failed")
    lines = [line for line in render_section([b, a]).splitlines() if line.startswith("|")]
    assert lines[0] == "| Broken connector | Its one mistake | Medium | PRES-1 | END-1 | RES-6 |"
    assert lines[2].startswith("| [`a_one`](connectors/broken/a_one/) | Ignores something. | chat | · | ✗ | – |")
    assert lines[3].endswith("| · | · | ✗ |")


def test_readme_section_is_added_under_its_heading_then_replaced_in_place() -> None:
    readme = "# Title\n\nIntro.\n\n## Layout\n\nthings\n"
    first = replace_section(readme, "TABLE ONE")
    assert first.startswith(readme.rstrip("\n"))
    assert HEADING in first and read_section(first) == "TABLE ONE"
    second = replace_section(first, "TABLE TWO")
    assert read_section(second) == "TABLE TWO" and second.count(START) == 1 and second.count(END) == 1
    assert second.replace("TABLE TWO", "TABLE ONE") == first
    assert read_section(readme) is None


def test_manifest_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "connector.yaml"
    path.write_text("name: x\nversion: 1\ncommand: python -m x\nprofiles: [core]\nmedia: [chat]\ndefect: d\n"
                    "mustFail: [END-1]\nsuiteGaps: {PICK-2: not declared}\n")
    with pytest.raises(ManifestError, match="suiteGaps.*PICK-2"):
        load(path)
    path.write_text("name: x\nversion: 1\ncommand: python -m x\nprofiles: [core]\nmedia: [chat]\ndefect: d\n"
                    "mustFail: [end one]\n")
    with pytest.raises(ManifestError, match="not requirement ids"):
        load(path)


def test_the_coverage_line_counts_requirements_failed_by_a_targeted_control() -> None:
    narrow = run(manifest(("END-1", "END-2"), package="narrow"), PRES_1="passed", END_1="failed", END_2="failed",
                 XFER_1="passed")
    broad = run(manifest(("PRES-1", "END-1", "END-2", "XFER-1"), package="broad"), PRES_1="failed", END_1="failed",
                END_2="failed", XFER_1="failed")
    line = render_section([narrow, broad], guaranteed={"XFER-1": "the platform refuses it"}).splitlines()[-1]
    assert line.startswith("Requirements caught by a targeted control (a broken connector that fails it and at most "
                           "2 others): 2 / 4.")
    assert "Platform-guaranteed" in line and "XFER-1" in line
    assert line.endswith("No targeted control yet: PRES-1.")


def test_each_medium_a_connector_declares_is_judged_and_shown_on_its_own() -> None:
    m = manifest(("END-1",), media=("chat", "messaging"), by_medium={"messaging": ("END-4",)})
    both = run(m, PRES_1="passed", END_1="failed")
    both.verdicts.update({"PRES-1 [messaging]": "passed", "END-1 [messaging]": "passed", "END-4 [messaging]": "failed"})
    assert both.mismatch() is None
    rows = [line for line in render_section([both]).splitlines() if line.startswith("| [`")]
    assert [r.split(" | ")[2] for r in rows] == ["chat", "messaging"]
    both.verdicts["END-1 [messaging]"] = "failed"
    assert "failed but not declared: END-1 [messaging]" in (both.mismatch() or "")
    # END-4 applies to messaging only: declaring it for chat asks nothing of the chat run.
    chat_only = manifest(("END-1", "END-4"))
    assert chat_only.must_fail_keys(lambda rid, medium: rid != "END-4" or medium == "messaging") == {"END-1 [chat]"}
