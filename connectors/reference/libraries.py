"""The platforms' client libraries the reference connector is written with, and which of them this Python lacks.

Neither the fakes nor `omni-harness certify` need them (the Genesys SDK alone is well over 100 MB), so they come
with the package's `reference` extra; a connector of your own needs none of them.
"""

from __future__ import annotations

import importlib.util
import sys

# import name -> the distribution that provides it (what pip installs)
CLIENT_LIBRARIES: dict[str, str] = {
    "PureCloudPlatformClientV2": "PureCloudPlatformClientV2",
    "simple_salesforce": "simple-salesforce",
    "aiosfstream_ng": "aiosfstream-ng",
}
INSTALL = "pip install 'omni-harness[reference]'"


def missing_libraries() -> list[str]:
    """The distributions whose import package cannot be found. Found, not imported: the Genesys SDK takes seconds
    to import, and whoever asks (certify, before anything starts) only needs to know it is there."""
    missing = []
    for module, distribution in CLIENT_LIBRARIES.items():
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a finder that refuses the name, or a half-removed package
            found = False
        if not found:
            missing.append(distribution)
    return missing


def missing_message(missing: list[str]) -> str:
    """One line: what is missing, where, and the command that installs it."""
    verb = "is" if len(missing) == 1 else "are"
    return (f"the bundled reference connector needs the platforms' client libraries, and {', '.join(missing)} "
            f"{verb} not installed in this Python ({sys.executable}): {INSTALL} installs them "
            f"(in a checkout: pip install -e '.[reference]')")
