"""Role profiles (``models/<role>.yaml``) and tuned settings (``models/<role>.settings.yaml``).

A profile is data: the title family, negative title cues, responsibilities and skills (each a name
and the phrases that reveal it in a posting), credentials, settings, specialisations and the
scoring weights. A settings file holds only ``weights:`` and overrides the profile's own; it is
what ``pipeline tune`` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.config.messages import parse_data_yaml
from pipeline.errors import ProfileError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Skill(_Strict):
    """A responsibility or skill: a display name and the phrases that reveal it in a posting."""

    name: str
    terms: list[str] = Field(default_factory=list)

    def phrases(self) -> list[str]:
        """Every phrase that counts as this skill, the name included."""
        return [self.name, *self.terms]


class Credential(_Strict):
    """A license, degree or certification (RN, LCSW, CCM...) and the phrases that name it."""

    code: str
    kind: Literal["license", "degree", "certification"] = "certification"
    terms: list[str] = Field(default_factory=list)
    title_terms: list[str] = Field(
        default_factory=list, description="job-title words that mean the job needs this "
        "license even when the text names none (\"staff nurse\" needs RN)")
    implied_by: list[str] = Field(
        default_factory=list, description="codes whose holder holds this one too: an RN may "
        "take an LPN's post, an LCSW has the MSW the licence needs")

    def phrases(self) -> list[str]:
        """Every phrase that names this credential, its code included."""
        return [self.code.lower(), *self.terms]


class Weights(_Strict):
    """How the score's components are combined. Components are 0..1; penalties are fractions."""

    title: float = Field(default=0.5, ge=0)
    skills: float = Field(default=0.15, ge=0)
    body: float = Field(default=0.15, ge=0)
    credentials: float = Field(default=0.1, ge=0)
    resume: float = Field(default=0.2, ge=0, description="used only when a resume is given")
    negative_title_penalty: float = Field(default=0.5, ge=0, le=1)
    missing_credential_penalty: float = Field(default=0.1, ge=0, le=1,
                                              description="per required credential missing")
    missing_license_penalty: float = Field(
        default=0.5, ge=0, le=1, description="once more when a required license (RN, LCSW...) "
        "is missing: the subscriber may not do the job at all")
    peers: float = Field(default=0.15, ge=0, description="body similarity to the postings "
                         "whose title is in the family (pseudo-relevance feedback)")
    peers_cap: float = Field(default=0.5, gt=0, description="body-peers cosine counted as 1")
    title_fuzzy_power: float = Field(default=2.0, ge=1, description="a title that only "
                                     "resembles the family scores similarity ** power")
    licence_title_cap: float = Field(
        default=0.1, ge=0, le=1, description="most title similarity a title gets for "
        "resembling the family only through a licence's name (\"Registered Nurse\" and "
        "\"registered nurse case manager\"): a nurse title is adjacent, not the role")
    title_context: float = Field(
        default=0.7, ge=0, le=1, description="body evidence (the mean of the skills, body, "
        "peers and credentials parts) at which a role title counts in full; below it the title "
        "part shrinks in proportion, as far as the body says enough to be believed (0: off)")
    title_context_terms: int = Field(
        default=200, ge=1, description="distinct body terms at which a body silent on the role "
        "fully doubts its title; a shorter body doubts it in proportion, an empty one not at all")
    skills_saturation: float = Field(default=8, gt=0, description="role skills found "
                                     "(responsibilities, technical skills; soft skills do not "
                                     "count) for a full skills component")
    body_cap: float = Field(default=0.3, gt=0, description="body-profile cosine counted as 1")
    resume_cap: float = Field(default=0.3, gt=0, description="body-resume cosine counted as 1")
    resume_gate_terms: float = Field(
        default=3, ge=0, description="role terms (responsibilities, technical skills, "
        "specialisations) a resume holding none of the role's credentials must show for a full "
        "score; with fewer, its scores are scaled by terms shown / this (0: no gate)")
    boilerplate_min_repeats: int = Field(default=3, ge=2, description="a sentence seen in this "
                                         "many postings of one company is boilerplate")


class Profile(_Strict):
    """A role: what its postings are called, what they ask for, and how to weigh it."""

    name: str
    description: str = ""
    title_family: list[str] = Field(min_length=1)
    negative_titles: list[str] = Field(default_factory=list)
    #: neighbouring jobs' titles: adjacent work the role's people take (a counsellor, a
    #: patient navigator), as alike as a title sharing only a licence (``licence_title_cap``)
    adjacent_titles: list[str] = Field(default_factory=list)
    responsibilities: list[Skill] = Field(default_factory=list)
    technical_skills: list[Skill] = Field(default_factory=list)
    soft_skills: list[Skill] = Field(default_factory=list)
    credentials: list[Credential] = Field(default_factory=list)
    settings: list[str] = Field(default_factory=list)
    specialisations: list[str] = Field(default_factory=list)
    weights: Weights = Field(default_factory=Weights)

    def skills(self) -> list[Skill]:
        """Responsibilities, technical and soft skills, in that order."""
        return [*self.responsibilities, *self.technical_skills, *self.soft_skills]

    def _work_text(self) -> list[str]:
        """Description, skills, settings and specialisations: the role's work."""
        parts = [self.description]
        for skill in self.skills():
            parts.append(" ".join(skill.phrases()))
        return parts + self.settings + self.specialisations

    def body_text(self) -> str:
        """The role's work as one text for comparing with posting bodies, with the title
        family less each phrase's last word, the job's name ("nurse case manager" gives "nurse
        case"): the title part scores job names, and here "manager" or "coordinator" would
        reward any body naming a manager or repeating its own title."""
        qualifiers = [" ".join(phrase.split()[:-1]) for phrase in self.title_family]
        return "\n".join(self._work_text() + qualifiers)

    def full_text(self) -> str:
        """Everything in the profile as one text (the plain TF-IDF baseline uses this)."""
        creds = [" ".join(c.phrases()) for c in self.credentials]
        return "\n".join([self.name, *self._work_text(), *self.title_family, *creds])


def _read_yaml(path: Path, what: str) -> dict:
    """A YAML mapping from ``path``, or ProfileError saying what is wrong."""
    if not path.exists():
        raise ProfileError(f"{path}: no such {what} file; check profile.path / "
                           "matching.settings in jobs.yaml")
    try:
        data = parse_data_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a {what} file must be a mapping of keys")
    return data


def _explain(path: Path, exc: ValidationError, prefix: tuple = ()) -> ProfileError:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in (*prefix, *first["loc"])) or "(top level)"
    return ProfileError(f"{path}: {where}: {first['msg']}")


def load_profile(path: Path) -> Profile:
    """Read and validate a role profile; raise ProfileError naming the bad key."""
    path = Path(path)
    try:
        return Profile.model_validate(_read_yaml(path, "profile"))
    except ValidationError as exc:
        raise _explain(path, exc) from exc


def load_weights(path: Path) -> Weights:
    """Read a settings file (``weights:`` written by ``pipeline tune``)."""
    path = Path(path)
    data = _read_yaml(path, "settings")
    unknown = set(data) - {"weights", "tuned"}
    if unknown:
        raise ProfileError(f"{path}: unknown keys {sorted(unknown)}; allowed: weights, tuned")
    try:
        return Weights.model_validate(data.get("weights") or {})
    except ValidationError as exc:
        raise _explain(path, exc, ("weights",)) from exc


def settings_path_for(profile_path: Path) -> Path:
    """Where tuned settings for a profile live: ``models/care_manager.settings.yaml``."""
    profile_path = Path(profile_path)
    return profile_path.with_name(profile_path.stem + ".settings.yaml")
