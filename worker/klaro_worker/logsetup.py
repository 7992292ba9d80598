"""Logging to stderr; under systemd (``JOURNAL_STREAM`` set) without timestamps, journald adds them."""

from __future__ import annotations

import logging
import os
import sys


def setup(level: str, tag: str) -> None:
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{stamp}%(levelname)s {tag} %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # redis-py and asyncio chatter at DEBUG is not ours to show.
    logging.getLogger("redis").setLevel(max(logging.INFO, root.level))
