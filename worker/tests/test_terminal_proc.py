"""Killing a slot's own terminal by its path, and nobody else's."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from klaro_worker.terminal_proc import find_linux_pids, kill_terminal, tail_of


def fake_terminal(argument: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", argument])


def test_tail_of_windows_and_posix_paths() -> None:
    assert tail_of("C:\\Klaro\\Slot-3\\terminal64.exe") == "slot-3/terminal64.exe"
    assert tail_of("/srv/klaro/slot-3/terminal64.exe") == "slot-3/terminal64.exe"


def test_kill_terminal_kills_only_its_own(tmp_path: Path) -> None:
    # Slot folders named for this test alone: simulated fleets of other runs on the same machine
    # have terminals under slot-1, slot-2 … too.
    slot = f"slot-{tmp_path.name[-12:]}-{os.getpid()}"
    mine = fake_terminal(f"C:\\klaro\\{slot}-1\\terminal64.exe")
    other = fake_terminal(f"C:\\klaro\\{slot}-2\\terminal64.exe")
    try:
        time.sleep(0.2)
        assert find_linux_pids(f"Z:\\x\\{slot}-1\\terminal64.exe") == [mine.pid]
        assert kill_terminal(f"/home/k/.wine/drive_c/klaro/{slot}-1/terminal64.exe") == [mine.pid]
        assert mine.wait(5) != 0
        assert other.poll() is None
    finally:
        for process in (mine, other):
            if process.poll() is None:
                process.kill()
                process.wait()
