"""Where the feature files are: the installed `features` package, so a non-editable install finds them too."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def features_root() -> Path:
    root = resources.files("omni_harness.features")
    return Path(str(root))


def feature_files() -> list[Path]:
    return sorted(features_root().rglob("*.feature"))


def suite_module() -> Path:
    """The test module that binds every feature file to pytest (`scenarios(...)`)."""
    return Path(str(resources.files("omni_harness.harness.suite") / "test_certification.py"))
