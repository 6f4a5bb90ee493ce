"""One registry for built-in and plugin engines.

Built-ins are declared in ``pyproject.toml`` under the ``orchestrion.engines`` entry-point group, exactly as a plugin
package declares its own, so both are found the same way. A model table may also name an engine by import path
(``engine = "my_package.engines:MyEngine"``), which is how the test suite serves its tiny test engine to worker
processes without shipping it under a real name.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any, Mapping

from .base import Engine, EngineUnavailable

__all__ = ["available_engines", "create_engine", "engine_class", "register_engine"]

ENTRY_POINT_GROUP = "orchestrion.engines"
_registered: dict[str, type[Engine]] = {}


def register_engine(name: str, cls: type[Engine]) -> None:
    """Register ``cls`` under ``name`` in this process (entry points are found without this)."""
    _registered[name] = cls


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_engines() -> list[str]:
    return sorted({*_registered, *_entry_points()})


def engine_class(name: str) -> type[Engine]:
    """The engine class for ``name``; raises :class:`EngineUnavailable` with the reason when it cannot load."""
    if name in _registered:
        return _registered[name]
    try:
        if ":" in name:
            module_name, _, attr = name.partition(":")
            cls = getattr(importlib.import_module(module_name), attr)
        else:
            eps = _entry_points()
            if name not in eps:
                raise EngineUnavailable(f"unknown engine {name!r}; known: {', '.join(available_engines())}")
            cls = eps[name].load()
    except EngineUnavailable:
        raise
    except ImportError as exc:
        raise EngineUnavailable(f"engine {name!r} cannot be imported: {exc}") from exc
    except AttributeError as exc:
        raise EngineUnavailable(f"engine {name!r} not found: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Engine)):
        raise EngineUnavailable(f"engine {name!r} is not an orchestrion Engine subclass")
    _registered[name] = cls
    return cls


def create_engine(name: str, options: Mapping[str, Any] | None = None) -> Engine:
    return engine_class(name)(options)
