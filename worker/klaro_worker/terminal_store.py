"""What the terminal keeps on disk about the accounts it logged into, and removing it.

The terminal saves every account it logged into, with its password, in ``config/accounts.dat``
under its data folder (the path is in the module's ``_core`` binary: ``%s\\config\\accounts.dat``);
a portable terminal's data folder is its own folder. The file can be read back by the terminal,
so whoever reads the worker's disk could log into those accounts. The slot removes it after each
job and whenever the terminal starts, stops or restarts (docs/crypto.md §7).
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path, PureWindowsPath

log = logging.getLogger(__name__)

_WINDOWS_PATH = re.compile(r"^[A-Za-z]:\\")


def accounts_file(terminal: str) -> Path:
    """``config/accounts.dat`` of a portable terminal, as this process sees the file system.

    A Windows path seen from Linux (the mt5linux backend) is found in the Wine prefix
    (``$WINEPREFIX``, else ``~/.wine``) through its ``dosdevices`` links, as Wine maps drives.
    """
    if os.name != "nt" and _WINDOWS_PATH.match(terminal):
        windows = PureWindowsPath(terminal)
        prefix = Path(os.environ.get("WINEPREFIX") or Path.home() / ".wine")
        folder = prefix / "dosdevices" / windows.drive.lower() / Path(*windows.parent.parts[1:])
    else:
        folder = Path(terminal).parent
    return folder / "config" / "accounts.dat"


def forget_accounts(terminal: str) -> bool:
    """Delete the terminal's saved accounts; True when a file was removed."""
    path = accounts_file(terminal)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        log.error("cannot remove the terminal's saved accounts %s: %s", path, error.strerror or error)
        return False
    log.debug("removed the terminal's saved accounts %s", path)
    return True
