"""Typed readers for settings that come from environment variables.

Each helper fails loudly on a value it cannot parse: a typo in production config must
stop the process at start-up, not surface as odd behaviour hours later.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar


class ConfigError(ValueError):
    pass


def env_str(name: str, default: str) -> str:
    """The variable's value; unset or empty means the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true or false")


N = TypeVar("N", int, float)


def _number(name: str, default: N, parse: Callable[[str], N], expected: str) -> N:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {expected}") from None


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _number(name, default, int, "a whole number")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value!r}: must be at least {minimum}")
    return value


def env_float(name: str, default: float, *, above: float | None = None, minimum: float | None = None) -> float:
    value = _number(name, default, float, "a number")
    if above is not None and not value > above:
        raise ConfigError(f"{name}={value!r}: must be more than {above:g}")
    if minimum is not None and not value >= minimum:
        raise ConfigError(f"{name}={value!r}: must be at least {minimum:g}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
