"""A tiny declarative validator for `pulse.yml`.

Why not pydantic or jsonschema: the CLI must reject a broken config in well under a second, and the error must be
one line naming the key path the way a user wrote it (`sources[2].base_url: not a URL`). Each spec below checks one
value and returns its cleaned form; `Map` walks nested keys and builds the path.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(ValueError):
    """A setting is wrong; the message starts with the key path and says what would be right."""

    def __init__(self, path: str, problem: str, file: str | None = None):
        self.path, self.problem, self.file = path, problem, file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}{path}: {problem}")


class Secret(str):
    """A string resolved from an env var; its repr never shows the value, so it cannot leak into logs."""

    def __repr__(self) -> str:
        return "Secret('***')"


ENV_REF = re.compile(r"^env:([A-Za-z_][A-Za-z0-9_]*)$")


def resolve_env(value: Any, path: str, environ: dict[str, str]) -> Any:
    """Replace an `env:NAME` string by the env var's value (as a Secret); a missing var is an error."""
    if isinstance(value, str):
        m = ENV_REF.match(value.strip())
        if m:
            name = m.group(1)
            if name not in environ or environ[name] == "":
                raise ConfigError(path, f"env var {name} is not set")
            return Secret(environ[name])
    return value


class Spec(ABC):
    """Checks one value; `clean` returns the value to keep or raises ConfigError at `path`."""

    @abstractmethod
    def clean(self, value: Any, path: str, env: dict[str, str]) -> Any:
        """The value to keep, or ConfigError naming `path`."""

    def default(self) -> Any:
        return None


@dataclass
class Str(Spec):
    pattern: str | None = None
    hint: str = ""
    env_ok: bool = True
    choices: tuple[str, ...] = ()

    def clean(self, value, path, env):
        if self.env_ok:
            value = resolve_env(value, path, env)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ConfigError(path, f"expected text, got {type(value).__name__}")
        if self.choices and value not in self.choices:
            raise ConfigError(path, f"{value!r} is not one of {', '.join(self.choices)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ConfigError(path, self.hint or f"{value!r} does not match {self.pattern}")
        return value


@dataclass
class Raw(Spec):
    """Any YAML value, kept as is (a source type validates its own `options`)."""

    def clean(self, value, path, env):
        return value


@dataclass
class Url(Spec):
    """An http(s) URL, `file:///folder` (file drops), or `sandbox:<platform>` (that platform on the sandbox)."""

    def clean(self, value, path, env):
        value = resolve_env(value, path, env)
        if isinstance(value, str) and re.fullmatch(r"sandbox:[a-z_]+|file:///.*", value):
            return value
        if not isinstance(value, str):
            raise ConfigError(path, "not a URL")
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(path, "not a URL (expected http(s)://host/... or sandbox:<platform>)")
        return value.rstrip("/")


@dataclass
class Email(Spec):
    def clean(self, value, path, env):
        value = resolve_env(value, path, env)
        if not isinstance(value, str) or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ConfigError(path, f"not an email address: {value!r}")
        return value


@dataclass
class Num(Spec):
    lo: float | None = None
    hi: float | None = None
    integer: bool = False

    def clean(self, value, path, env):
        value = resolve_env(value, path, env)
        if isinstance(value, str):
            try:
                value = float(value) if not self.integer else int(value)
            except ValueError:
                raise ConfigError(path, f"expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, f"expected a number, got {type(value).__name__}")
        if self.integer and int(value) != value:
            raise ConfigError(path, f"expected a whole number, got {value}")
        if self.lo is not None and value < self.lo:
            raise ConfigError(path, f"must be >= {self.lo}, got {value}")
        if self.hi is not None and value > self.hi:
            raise ConfigError(path, f"must be <= {self.hi}, got {value}")
        return int(value) if self.integer else float(value)


@dataclass
class Bool(Spec):
    def clean(self, value, path, env):
        if not isinstance(value, bool):
            raise ConfigError(path, f"expected true or false, got {value!r}")
        return value


@dataclass
class Date(Spec):
    def clean(self, value, path, env):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(path, f"not a date (YYYY-MM-DD): {value!r}") from None


@dataclass
class Duration(Spec):
    """`90s`, `15m`, `6h`, `3d`, `2w` -> datetime.timedelta."""

    def clean(self, value, path, env):
        m = re.fullmatch(r"(\d+)\s*([smhdw])", str(value).strip())
        if not m:
            raise ConfigError(path, f"not a duration like 30m, 6h, 3d or 2w: {value!r}")
        n, unit = int(m.group(1)), m.group(2)
        return dt.timedelta(
            **{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: n}
        )


@dataclass
class Timezone(Spec):
    def clean(self, value, path, env):
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                path, f"unknown time zone {value!r} (use an IANA name like Asia/Shanghai)"
            ) from None
        return str(value)


@dataclass
class ListOf(Spec):
    item: Spec
    min_items: int = 0
    unique_key: str | None = None

    def clean(self, value, path, env):
        if value is None:
            value = []
        if not isinstance(value, list):
            raise ConfigError(path, f"expected a list, got {type(value).__name__}")
        if len(value) < self.min_items:
            raise ConfigError(path, f"needs at least {self.min_items} item(s)")
        out = [self.item.clean(v, f"{path}[{i}]", env) for i, v in enumerate(value)]
        if self.unique_key:
            seen: dict[Any, int] = {}
            for i, v in enumerate(out):
                key = v[self.unique_key] if isinstance(v, dict) else v
                if key in seen:
                    raise ConfigError(
                        f"{path}[{i}].{self.unique_key}", f"{key!r} repeats {path}[{seen[key]}]"
                    )
                seen[key] = i
        return out

    def default(self):
        return []


@dataclass
class DictOf(Spec):
    """A mapping with free keys (e.g. activity weights by activity type)."""

    value: Spec
    keys: tuple[str, ...] = ()

    def clean(self, value, path, env):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(path, f"expected a mapping, got {type(value).__name__}")
        out = {}
        for k, v in value.items():
            if self.keys and k not in self.keys:
                raise ConfigError(f"{path}.{k}", f"unknown key (expected one of {', '.join(self.keys)})")
            out[str(k)] = self.value.clean(v, f"{path}.{k}", env)
        return out

    def default(self):
        return {}


@dataclass
class Field:
    spec: Spec
    required: bool = False
    default: Any = None
    doc: str = ""


@dataclass
class Map(Spec):
    """A mapping with known keys: unknown keys are errors, defaults fill what is missing."""

    fields: dict[str, Field]
    check: Callable[[dict, str], None] | None = None
    extra: dict = field(default_factory=dict)

    def clean(self, value, path, env):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ConfigError(path or "(top level)", f"expected a mapping, got {type(value).__name__}")
        prefix = f"{path}." if path else ""
        for key in value:
            if key not in self.fields:
                close = [k for k in self.fields if k.startswith(str(key)[:3])]
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise ConfigError(f"{prefix}{key}", f"unknown key{hint}")
        out = {}
        for key, f in self.fields.items():
            if key in value and value[key] is not None:
                out[key] = f.spec.clean(value[key], f"{prefix}{key}", env)
            elif f.required:
                raise ConfigError(f"{prefix}{key}", "is required")
            else:
                out[key] = copy.deepcopy(f.default) if f.default is not None else f.spec.default()
        if self.check:
            self.check(out, path)
        return out

    def default(self):
        return self.clean({}, "", dict(os.environ))
