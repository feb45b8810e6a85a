"""The run's settings as pytest's options give them, read once per process (the xdist workers too): the connector's
manifest, the selection, the command that starts the connector, each step's wait.

The controller hands the workers what they must not work out again (the run folder, the manifest it found) through
pytest-xdist's `workerinput`, under the keys below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .connector import parse_command
from .manifest import ManifestLookup, ManifestOrigin, find, load
from .manifest import connector_argv as manifest_connector_argv
from .selection import Selection, validate
from .waits import DEFAULT_TIMEOUT

RUN_DIR = "omni_harness_run_dir"  # workerinput: the run folder (locks, stack.json)
MANIFEST_INPUT = "omni_harness_manifest"  # workerinput: the controller's manifest lookup, so every worker uses it
MANIFEST = pytest.StashKey[ManifestLookup]()
SELECTION = pytest.StashKey[Selection]()


def is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def manifest_lookup(config: pytest.Config) -> ManifestLookup:
    """The run's manifest: `--manifest PATH`, else the connector.yaml beside the connector (read once; ManifestError
    when it cannot be read)."""
    if MANIFEST not in config.stash:
        given = config.getoption("omni_manifest", None)
        handed = getattr(config, "workerinput", {}).get(MANIFEST_INPUT)
        if handed is not None:
            origin, path, searched = json.loads(handed)
            config.stash[MANIFEST] = ManifestLookup(ManifestOrigin(origin), load(path) if path else None,
                                                    tuple(searched))
        elif given:
            config.stash[MANIFEST] = ManifestLookup(ManifestOrigin.GIVEN, load(given), (str(Path(given).resolve()),))
        else:
            config.stash[MANIFEST] = find(parse_command(config.getoption("omni_connector", None)))
    return config.stash[MANIFEST]


def manifest_input(lookup: ManifestLookup) -> str:
    """The manifest lookup as the controller hands it to a worker (`MANIFEST_INPUT`)."""
    return json.dumps([str(lookup.origin), str(lookup.manifest.path) if lookup.manifest else None,
                       list(lookup.searched)])


def selection(config: pytest.Config) -> Selection:
    """The run's selection: --profile, --requirement, -k (checked once; SelectionError when it selects nothing or
    names an unknown id)."""
    if SELECTION not in config.stash:
        config.stash[SELECTION] = validate(config.getoption("omni_profile"), config.getoption("omni_requirements"),
                                           config.getoption("keyword", None) or None, manifest_lookup(config),
                                           config.getoption("omni_media", None),
                                           config.getoption("omni_shard", None))
    return config.stash[SELECTION]


def connector_argv(config: pytest.Config) -> list[str]:
    """`--connector`, else the command of a manifest given with `--manifest`, else the reference connector."""
    return manifest_connector_argv(config.getoption("omni_connector", None), manifest_lookup(config))




def step_timeout(config: pytest.Config) -> float:
    value = config.getoption("timeout", None)
    return float(value) if value else DEFAULT_TIMEOUT
