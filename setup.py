"""Packaging: the repository's five top-level folders install under one distinctive import name,
`omni_harness.fakes`, `omni_harness.harness`, `omni_harness.contracts`, `omni_harness.features`,
`omni_harness.connectors` (a namespace package), so they never collide with another distribution's `harness` or
`contracts`. Everything else, the package data included, is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

TOP_LEVEL = ("fakes", "harness", "contracts", "features", "connectors")

packages = [f"omni_harness.{name}" for name in find_namespace_packages(include=[f"{top}*" for top in TOP_LEVEL],
                                                                    exclude=["*__pycache__*"])]
setup(
    packages=packages,
    package_dir={f"omni_harness.{top}": top for top in TOP_LEVEL},
)
