"""MT5 backends behind one small interface: the real module, mt5linux's bridge, or the simulator."""

from __future__ import annotations

from .base import Backend, BackendError, BackendSpec, ModuleBackend, open_backend

BACKENDS = ("metatrader5", "mt5linux", "sim")

__all__ = ["BACKENDS", "Backend", "BackendError", "BackendSpec", "ModuleBackend", "open_backend"]
