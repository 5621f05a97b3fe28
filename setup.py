"""Packages for the build: every ``pipeline*`` package and data folder (templates, static files,
the catalog: found as namespace packages, so setuptools ships their files without warning that a
folder is missing from ``packages``), plus the top-level ``models/`` folder (role profiles and
tuned settings) as ``pipeline.models``, so a wheel ships them.

pyproject.toml holds everything else; its ``[tool.setuptools]`` table cannot list found packages
together with a package mapped from another folder.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["pipeline", "pipeline.*"],
                                       exclude=["*.__pycache__"]), "pipeline.models"],
    package_dir={"pipeline.models": "models"},
)
