"""`omni-harness --version` and the help a newcomer reads: descriptions, examples, every default, the profiles."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from importlib import metadata

import pytest

from omni_harness.harness import __version__
from omni_harness.harness.cli import build_parser, version
from omni_harness.harness.requirements import PROFILE_SELECTION, Profile, catalogue

COMMANDS = ["serve", "certify", "requirements"]


def _subparser(name: str) -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[name]


def _option_blocks(text: str) -> dict[str, str]:
    """Each option's entry of a help text (from its `  --name` line to the next option), whitespace collapsed."""
    body = text.split("options:", 1)[1].split("\n\n", 1)[0]
    blocks: dict[str, str] = {}
    current = ""
    for line in body.splitlines():
        if re.match(r"^  -", line):  # "  -r ID, --requirement ID    help..." starts the entry of --requirement
            invocation = re.split(r"\s{2,}", line.strip())[0]
            current = re.findall(r"--?[a-z][a-z-]*", invocation)[-1]
            blocks[current] = ""
        if current:
            blocks[current] += " " + line.strip()
    return {name: " ".join(block.split()) for name, block in blocks.items()}


def test_version_prints_the_installed_distribution_version():
    result = subprocess.run([sys.executable, "-m", "omni_harness.harness.cli", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"omni-harness {metadata.version('omni-harness')}"


def test_version_falls_back_to_the_package_version_without_a_distribution(monkeypatch):
    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert version() == __version__


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_has_a_description_and_real_example_commands(command):
    parser = build_parser() if command is None else _subparser(command)
    text = parser.format_help()
    assert parser.description and parser.description.split()[0] in text
    examples = [line.strip() for line in text.split("examples:", 1)[1].splitlines() if line.startswith("  omni-")]
    assert 2 <= len(examples) <= 4, text
    top = build_parser()
    for example in examples:
        import shlex

        argv = shlex.split(example)[1:]
        if command is not None:
            assert argv[0] == command
        top.parse_args(argv)  # an example that no longer parses fails here (argparse exits)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_shows_its_default(command):
    parser = _subparser(command)
    blocks = _option_blocks(parser.format_help())
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        name = action.option_strings[-1]
        block = blocks.get(name)
        assert block is not None, f"{name} is missing from `{command} --help`"
        assert "default" in block, f"{command} {name}: no default shown: {block}"
        default = action.default
        if default in (None, False):
            continue  # worded ("default: the media the manifest declares", "default: off")
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert shown in block.split("default", 1)[1], f"{command} {name}: default {shown} not shown: {block}"


def test_certify_help_describes_the_profiles_as_the_catalogue_defines_them():
    text = " ".join(_subparser("certify").format_help().split())
    counts = {p: sum(1 for r in catalogue().values() if r.profile is p) for p in Profile}
    for name, chosen in PROFILE_SELECTION.items():
        total = sum(counts[p] for p in chosen)
        assert f"{name} {' + '.join(p.value for p in chosen)} ({total} requirements)" in text
    assert "all (core + extended + resilience + scale)" in text  # in --profile's own help too


def test_requirements_help_and_top_level_help_name_the_commands():
    top = build_parser().format_help()
    for command in COMMANDS:
        assert command in top
    assert "--version" in top
