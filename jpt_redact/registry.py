"""One registry per plugin kind, filled from entry points.

    kind         entry-point group          what a plugin provides
    recognizer   jpt_redact.recognizers     a class with `name` and `find(text)` (recognizer.Recognizer)
    operator     jpt_redact.operators       an Operator subclass (exporters/operators/base.py)
    backend      jpt_redact.backends        a class with `create(spec)` (runtime/base.py)
    exporter     jpt_redact.exporters       an Exporter subclass: an output format (exporters/formats/base.py)

Built-ins are declared in pyproject.toml under the same entry-point groups third-party
plugins use, so `jpt-redact plugins` sees both the same way, and a policy names either by an
open string that is checked here when the policy is validated (`check_name`). Code may also
call `register()` directly (tests, notebooks); a duplicate name is an error, not an override.
Looking names up reads entry-point metadata only; a plugin's module is imported by `get`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Callable, Generic, TypeVar

from .errors import PluginError

T = TypeVar("T")


@dataclass(frozen=True)
class PluginInfo:
    name: str
    kind: str
    source: str  # "entry-point <dist>" or "register()"
    target: str


class Registry(Generic[T]):
    def __init__(self, kind: str, group: str):
        self.kind = kind
        self.group = group
        self._items: dict[str, T] = {}
        self._info: dict[str, PluginInfo] = {}
        self._entry_points: dict[str, Any] | None = None
        self._lock = threading.RLock()

    def _discover(self) -> dict[str, Any]:
        with self._lock:
            if self._entry_points is None:
                found: dict[str, Any] = {}
                for ep in entry_points(group=self.group):
                    if ep.name in found:
                        continue  # the same distribution seen twice on sys.path
                    found[ep.name] = ep
                self._entry_points = found
            return self._entry_points

    def register(self, name: str, obj: T, *, source: str = "register()") -> T:
        with self._lock:
            if name in self._items or (name in self._discover() and source == "register()"):
                raise PluginError(f"{self.kind} {name!r} is already registered")
            self._items[name] = obj
            target = getattr(obj, "__module__", "?") + "." + getattr(obj, "__qualname__", type(obj).__name__)
            self._info[name] = PluginInfo(name, self.kind, source, target)
            return obj

    def unregister(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)
            self._info.pop(name, None)

    def get(self, name: str) -> T:
        with self._lock:
            if name in self._items:
                return self._items[name]
            ep = self._discover().get(name)
            if ep is None:
                raise PluginError(self.unknown_message(name))
            try:
                obj = ep.load()
            except Exception as exc:  # a broken third-party plugin must not look like "unknown"
                raise PluginError(f"{self.kind} {name!r} failed to load: {type(exc).__name__}") from exc
            dist = getattr(getattr(ep, "dist", None), "name", "?")
            self._items[name] = obj
            self._info[name] = PluginInfo(name, self.kind, f"entry-point {dist}", ep.value)
            return obj

    def unknown_message(self, name: str) -> str:
        known = self.names()
        if not known:  # even the built-ins are missing: their entry points come with the distribution
            return f"unknown {self.kind} {name!r} (none installed: is jpt-redact installed? pip install -e .)"
        return f"unknown {self.kind} {name!r} (installed: {', '.join(known)}; see `jpt-redact plugins`)"

    def check_name(self, name: str) -> str:
        """`name` if it is registered; ValueError otherwise (for pydantic validators, which turn
        it into a line-numbered PolicyError). Imports no plugin module."""
        if name not in self:
            raise ValueError(self.unknown_message(name))
        return name

    def refresh(self) -> None:
        """Forget what entry-point discovery found, so plugins installed (or removed) since are
        seen; names added with register() stay."""
        with self._lock:
            self._entry_points = None
            for name in [n for n, i in self._info.items() if i.source.startswith("entry-point")]:
                self._items.pop(name, None)
                self._info.pop(name, None)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(set(self._items) | set(self._discover()))

    def info(self) -> list[PluginInfo]:
        out = []
        for name in self.names():
            if name in self._info:
                out.append(self._info[name])
            else:
                ep = self._discover()[name]
                dist = getattr(getattr(ep, "dist", None), "name", "?")
                out.append(PluginInfo(name, self.kind, f"entry-point {dist}", ep.value))
        return out

    def __contains__(self, name: str) -> bool:
        return name in self.names()


recognizers: Registry[Callable[..., Any]] = Registry("recognizer", "jpt_redact.recognizers")
operators: Registry[Callable[..., Any]] = Registry("operator", "jpt_redact.operators")
backends: Registry[Callable[..., Any]] = Registry("backend", "jpt_redact.backends")
exporters: Registry[Callable[..., Any]] = Registry("exporter", "jpt_redact.exporters")

ALL = (recognizers, operators, backends, exporters)
