"""Turning pydantic's validation errors on jobs.yaml into sentences a person can act on.

Each error becomes one line with the key path as written in the file (``sources[2].type``), the bad
value (never for secret keys) and what is allowed: the source types for ``type``, the keys of that
section for an unknown key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from pipeline.config.sources import source_config, source_types
from pipeline.errors import ConfigError

#: Keys whose values are secrets: only ``${ENV_VAR}`` references are allowed, and never echoed.
SECRET_KEYS = frozenset({"username", "password", "api_key", "secret", "token",
                         "private_key"})


def describe_error(error: dict, data: dict, root: type[BaseModel]) -> str:
    """One line for one validation error: key path, bad value, what is allowed."""
    loc = list(error["loc"])
    types = source_types()
    if len(loc) >= 3 and loc[0] == "sources" and isinstance(loc[1], int) and loc[2] in types:
        del loc[2]  # pydantic puts the union tag in the path; the user never wrote it
    kind = error["type"]
    if kind == "union_tag_invalid" or kind == "union_tag_not_found":
        allowed = ", ".join(types)
        got = error.get("ctx", {}).get("tag", "nothing")
        return f"{_path(loc + ['type'])}: {got!r} is not a source type; allowed: {allowed}"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1], data, root)
        allowed = ", ".join(allowed_keys(model)) if model else "none"
        return f"{_path(loc)}: unknown key {loc[-1]!r}; allowed keys here: {allowed}"
    if kind == "missing":
        model = _model_at(loc[:-1], data, root)
        info = model.model_fields.get(str(loc[-1])) if model else None
        hint = f" ({info.description})" if info is not None and info.description else ""
        return f"{_path(loc)}: required key is missing{hint}"
    if kind in ("model_type", "dict_type", "list_type"):
        return _shape_message(kind, loc, error.get("input"), data, root)
    message = error["msg"].removeprefix("Value error, ")
    if not loc:
        return message
    value = error.get("input")
    if loc[-1] in SECRET_KEYS or (isinstance(value, str) and repr(value) in message):
        return f"{_path(loc)}: {message}"  # never echo a secret into logs, nor a value twice
    return f"{_path(loc)}: {message} (got {_short(error.get('input'))})"


def _shape_message(kind: str, loc: list, value: Any, data: dict, root: type[BaseModel]) -> str:
    """A list where a mapping belongs, or the reverse: say which is wanted."""
    if kind == "list_type":
        return f"{_path(loc)}: expected a list, one '- ' item per entry (got {_short(value)})"
    model = _model_at(loc, data, root)
    keys = f" ({', '.join(allowed_keys(model))})" if model else ""
    return f"{_path(loc)}: expected a mapping of keys{keys} (got {_short(value)})"


def _path(loc: list) -> str:
    """('sources', 2, 'type') -> 'sources[2].type'."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a config section accepts, as written in jobs.yaml (aliases included)."""
    return [info.alias or name for name, info in model.model_fields.items()
            if not info.exclude]


def _model_at(loc: list, data: Any, root: type[BaseModel]) -> type[BaseModel] | None:
    """The config model that validates the mapping at ``loc`` (for listing allowed keys)."""
    model: type[BaseModel] | None = root
    rest = loc
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        try:
            kind = data["sources"][loc[1]].get("type")
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        model, rest = source_config(kind), loc[2:]
    for part in rest:
        if model is None:
            return None
        if not isinstance(part, int):
            model = _field(model, part)
    return model


def _field(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model type of a field, looking through ``list[...]`` and ``X | None``."""
    for field_name, info in model.model_fields.items():
        if field_name == name or info.alias == name:
            return _inner_model(info.annotation)
    return None


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found:
            return found
    return None


#: libyaml's C parser where PyYAML was built with it: about ten times faster than the pure-Python
#: one on the shipped role profile and calibration, read by every command that ranks.
_DATA_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeys:
    """A loader's mappings, refusing a key written twice in one mapping (the later one would
    silently replace the first: a second `subscribers:` section would drop the first one's)."""

    def construct_mapping(self, node, deep=False):
        """The mapping, after checking that no key is written twice."""
        seen: set = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *anchor` may be overridden
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys are refused by the config models anyway
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping; keep one",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_UniqueKeys, yaml.SafeLoader):
    """PyYAML's pure-Python safe loader, refusing repeated keys: the one whose messages
    ``read_yaml`` shows."""


class _FastStrictLoader(_UniqueKeys, _DATA_LOADER):
    """The same on libyaml's parser (a jobs.yaml of a thousand subscribers is read in a tenth
    of the time); a file it refuses is read again by ``_StrictLoader`` for the message."""


def read_yaml(path: Path) -> Any:
    """The parsed file; ConfigError with the line and column for bad YAML or bad encoding."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        try:
            return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 (safe loader)
        except yaml.YAMLError:
            return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (safe loader)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: not UTF-8 text (byte {raw[exc.start]:#04x}); "
                          "save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from exc


def parse_data_yaml(text: str) -> Any:
    """YAML data files the program ships or writes (profiles, settings, calibration, pay
    figures), parsed safely; raises yaml.YAMLError for bad YAML."""
    return yaml.load(text, Loader=_DATA_LOADER)  # noqa: S506 (a safe loader)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """'line 2, column 1: found character '\\t' ...', with a hint for the usual mistakes."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    text = f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem
    if "'\\t'" in problem:
        text += " (indent with spaces; YAML does not allow tabs)"
    return text
