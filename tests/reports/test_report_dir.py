"""A report folder holds one run: an earlier run's report is replaced, anything else is refused without --force."""

from __future__ import annotations

from pathlib import Path

import pytest

from omni_harness.harness.reports import ARTEFACTS, ReportDirError, prepare_report_dir


def test_an_earlier_runs_report_is_emptied(tmp_path: Path):
    for name in ARTEFACTS:
        (tmp_path / name).write_text("an earlier run")
    prepare_report_dir(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_holding_anything_else_is_refused_and_left_alone(tmp_path: Path):
    (tmp_path / "summary.json").write_text("an earlier run")
    (tmp_path / "thesis.docx").write_text("mine")
    (tmp_path / "sub").mkdir()
    with pytest.raises(ReportDirError, match=r"sub, thesis\.docx.*--force"):
        prepare_report_dir(tmp_path)
    assert (tmp_path / "summary.json").exists() and (tmp_path / "thesis.docx").exists()


def test_force_replaces_the_report_and_keeps_the_rest(tmp_path: Path):
    (tmp_path / "summary.json").write_text("an earlier run")
    (tmp_path / "thesis.docx").write_text("mine")
    prepare_report_dir(tmp_path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_a_new_folder_is_made(tmp_path: Path):
    prepare_report_dir(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
