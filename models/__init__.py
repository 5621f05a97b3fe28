"""The shipped role profiles and their tuned settings, as package data of ``pipeline.models``.

The repository keeps them in the top-level ``models/`` folder; the build maps that folder to the
package ``pipeline.models`` (setup.py), so an installed wheel has them too. A profile is named by
its file stem: ``care_manager`` is ``care_manager.yaml``; the files made for it by ``pipeline tune``
and ``pipeline calibrate`` sit beside it as ``care_manager.<kind>.yaml`` (``settings``,
``calibration``), so a name never holds a dot.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
__all__ = ["FOLDER", "profile_file", "profile_names"]


def profile_names() -> list[str]:
    """The names of the shipped role profiles, sorted."""
    return sorted(path.stem for path in FOLDER.glob("*.yaml") if "." not in path.stem)


def profile_file(name: str) -> Path | None:
    """The file of the shipped profile ``name``, or None when no profile has that name."""
    return FOLDER / f"{name}.yaml" if name in profile_names() else None
