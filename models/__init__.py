"""The shipped role profiles and their tuned settings, as package data of ``pipeline.models``.

The repository keeps them in the top-level ``models/`` folder; the build maps that folder to the
package ``pipeline.models`` (setup.py), so an installed wheel has them too. A profile is named by
its file stem: ``care_manager`` is ``care_manager.yaml``; tuned weights for it are
``care_manager.settings.yaml`` beside it.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
SETTINGS_SUFFIX = ".settings.yaml"

__all__ = ["FOLDER", "profile_file", "profile_names"]


def profile_names() -> list[str]:
    """The names of the shipped role profiles, sorted."""
    return sorted(path.stem for path in FOLDER.glob("*.yaml")
                  if not path.name.endswith(SETTINGS_SUFFIX))


def profile_file(name: str) -> Path | None:
    """The file of the shipped profile ``name``, or None when no profile has that name."""
    return FOLDER / f"{name}.yaml" if name in profile_names() else None
