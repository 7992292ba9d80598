"""The host's X25519 key pair: generate, store (PEM, mode 0600), load, fingerprint.

The private key file is PKCS#8 PEM (``openssl pkey -in FILE -pubout`` reads it). Loading also
accepts a file holding the standard base64 of the 32 raw private bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey


class KeyFileError(Exception):
    """The key file cannot be written or read; the message says which file and why."""


def public_raw(key: X25519PrivateKey | X25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_base64(key: X25519PrivateKey | X25519PublicKey) -> str:
    """Standard base64 (with padding) of the 32 raw public bytes, as in the host registration."""
    return base64.b64encode(public_raw(key)).decode("ascii")


def fingerprint(key: X25519PrivateKey | X25519PublicKey | bytes) -> str:
    """``SHA256:<base64 of SHA-256(raw public key), no padding>``, as ``klaro hosts approve`` shows."""
    raw = key if isinstance(key, bytes) else public_raw(key)
    digest = hashlib.sha256(raw).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class HostKey:
    private: X25519PrivateKey

    @property
    def public_base64(self) -> str:
        return public_base64(self.private)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.private)


def generate(out: Path, force: bool = False) -> HostKey:
    """Create a new key pair and write the private key to ``out``, created with mode 0600.

    The file is created with ``O_EXCL | O_NOFOLLOW`` and mode 0600 from the first byte: a file or
    a symbolic link planted at that path makes it fail instead of writing the key where someone
    else chose or can read. With ``force`` the key goes to a new file beside it, then replaces it.
    """
    if out.exists() and not force:
        raise KeyFileError(f"{out}: already exists; refusing to overwrite a host key (use --force)")
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        target = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp") if force else out
        _write_new(target, pem)
        if force:
            os.replace(target, out)
    except FileExistsError as error:
        raise KeyFileError(f"{out}: already exists; refusing to overwrite a host key (use --force)") from error
    except OSError as error:
        raise KeyFileError(f"{out}: cannot write the key file: {error.strerror or error}") from error
    return HostKey(private)


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing file, never through a link) with mode 0600 and write ``data``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(descriptor, 0o600)  # a umask can only narrow the mode; make it exact
        with os.fdopen(descriptor, "wb") as stream:
            descriptor = -1
            stream.write(data)
    finally:
        if descriptor >= 0:
            os.close(descriptor)


def load(path: Path) -> HostKey:
    """Read a private key file (PEM PKCS#8, or base64 of 32 raw bytes); refuse one others can read."""
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the key file: {error.strerror or error}") from error
    # Group read is the documented install (root:klaro 0640, ops/wine/setup-host.sh): the service's
    # group must read a file it does not own. Anything wider lets another user take the key.
    if os.name == "posix" and mode & (stat.S_IWGRP | stat.S_IXGRP | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: mode {mode & 0o777:o} lets other users read or change the host key; "
            "chmod 600 it (or 640 with the worker's group), and replace the key if others could read it"
        )
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            private = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError) as error:
            raise KeyFileError(f"{path}: not a readable PEM private key") from error
        if not isinstance(private, X25519PrivateKey):
            raise KeyFileError(f"{path}: the PEM key is not an X25519 key")
        return HostKey(private)
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise KeyFileError(f"{path}: neither PEM nor base64 of a 32-byte X25519 private key") from error
    if len(raw) != 32:
        raise KeyFileError(f"{path}: base64 key is {len(raw)} bytes, expected 32")
    return HostKey(X25519PrivateKey.from_private_bytes(raw))
