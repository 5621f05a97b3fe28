"""Packages for the build: every ``pipeline*`` package, plus the top-level ``models/`` folder
(role profiles and tuned settings) as ``pipeline.models``, so a wheel ships them.

pyproject.toml holds everything else; its ``[tool.setuptools]`` table cannot list found packages
together with a package mapped from another folder.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["pipeline", "pipeline.*"]), "pipeline.models"],
    package_dir={"pipeline.models": "models"},
)
