"""Find and kill a slot's own ``terminal64.exe`` by its path, after a hang or an IPC failure.

A wedged terminal would wedge the next ``initialize()`` too, so restarting a slot's terminal means
killing that terminal process, not only the process holding the IPC connection. Only the process
whose executable is this slot's path is touched: other slots' terminals keep running.

- Windows, and Wine's Python: Toolhelp snapshot plus ``QueryFullProcessImageNameW`` (ctypes).
- Linux (the mt5linux backend, terminals under Wine): ``/proc/*/cmdline`` ends with the path's
  last two components (``slot-3/terminal64.exe``), compared without case and with ``/`` for ``\\``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def _normal(text: str) -> str:
    return text.replace("\\", "/").lower().rstrip("/")


def tail_of(path: str) -> str:
    """The last two components of a Windows or POSIX path, normalised (``slot-3/terminal64.exe``)."""
    parts = [part for part in _normal(path).split("/") if part]
    return "/".join(parts[-2:])


def find_linux_pids(path: str, proc_root: Path = Path("/proc")) -> list[int]:
    """PIDs whose command line names this terminal (by its last two path components)."""
    tail = tail_of(path)
    if not tail:
        return []
    found: list[int] = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        for argument in arguments:
            text = _normal(argument.decode("utf-8", "replace"))
            if text == tail or text.endswith("/" + tail):
                found.append(int(entry.name))
                break
    return found


def kill_terminal(path: str) -> list[int]:
    """Kill the terminal processes running this executable path; returns the PIDs killed."""
    try:
        if sys.platform == "win32":
            return _kill_windows(path)
        pids = find_linux_pids(path)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            except PermissionError:
                log.warning("cannot kill terminal process %d (%s): permission denied", pid, path)
        return pids
    except OSError as error:
        log.warning("could not look for terminal processes of %s: %s", path, error)
        return []


def _kill_windows(path: str) -> list[int]:  # pragma: no cover - exercised on Windows and Wine only
    import ctypes
    from ctypes import wintypes

    class ProcessEntry(ctypes.Structure):
        _fields_ = [
            ("dwSize", wintypes.DWORD),
            ("cntUsage", wintypes.DWORD),
            ("th32ProcessID", wintypes.DWORD),
            ("th32DefaultHeapID", ctypes.c_size_t),
            ("th32ModuleID", wintypes.DWORD),
            ("cntThreads", wintypes.DWORD),
            ("th32ParentProcessID", wintypes.DWORD),
            ("pcPriClassBase", ctypes.c_long),
            ("dwFlags", wintypes.DWORD),
            ("szExeFile", ctypes.c_wchar * 260),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.CreateToolhelp32Snapshot.restype = wintypes.HANDLE
    kernel32.CreateToolhelp32Snapshot.argtypes = [wintypes.DWORD, wintypes.DWORD]
    kernel32.Process32FirstW.argtypes = [wintypes.HANDLE, ctypes.POINTER(ProcessEntry)]
    kernel32.Process32NextW.argtypes = [wintypes.HANDLE, ctypes.POINTER(ProcessEntry)]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    kernel32.QueryFullProcessImageNameW.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.LPWSTR,
        ctypes.POINTER(wintypes.DWORD),
    ]
    kernel32.TerminateProcess.argtypes = [wintypes.HANDLE, wintypes.UINT]
    kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    snapshot_processes, query_limited, terminate = 0x2, 0x1000, 0x0001
    invalid = wintypes.HANDLE(-1).value
    target, name = _normal(os.path.abspath(path)), os.path.basename(path).lower()
    killed: list[int] = []
    snapshot = kernel32.CreateToolhelp32Snapshot(snapshot_processes, 0)
    if snapshot in (None, invalid):
        return killed
    try:
        entry = ProcessEntry()
        entry.dwSize = ctypes.sizeof(ProcessEntry)
        more = kernel32.Process32FirstW(snapshot, ctypes.byref(entry))
        while more:
            if entry.szExeFile.lower() == name:
                handle = kernel32.OpenProcess(query_limited | terminate, False, entry.th32ProcessID)
                if handle:
                    try:
                        buffer = ctypes.create_unicode_buffer(1024)
                        size = wintypes.DWORD(1024)
                        if (
                            kernel32.QueryFullProcessImageNameW(handle, 0, buffer, ctypes.byref(size))
                            and _normal(buffer.value) == target
                            and kernel32.TerminateProcess(handle, 1)
                        ):
                            killed.append(int(entry.th32ProcessID))
                    finally:
                        kernel32.CloseHandle(handle)
            more = kernel32.Process32NextW(snapshot, ctypes.byref(entry))
    finally:
        kernel32.CloseHandle(snapshot)
    return killed
