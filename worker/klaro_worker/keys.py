"""The host's X25519 key pair: generate, store (PEM, mode 0600), load, fingerprint.

The private key file is PKCS#8 PEM (``openssl pkey -in FILE -pubout`` reads it). Loading also
accepts a file holding the standard base64 of the 32 raw private bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

log = logging.getLogger(__name__)


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
    """Create a new key pair and write the private key to ``out`` with mode 0600."""
    if out.exists() and not force:
        raise KeyFileError(f"{out}: already exists; refusing to overwrite a host key (use --force)")
    private = X25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(pem)
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    except OSError as error:
        raise KeyFileError(f"{out}: cannot write the key file: {error.strerror or error}") from error
    return HostKey(private)


def load(path: Path) -> HostKey:
    """Read a private key file (PEM PKCS#8, or base64 of 32 raw bytes)."""
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except OSError as error:
        raise KeyFileError(f"{path}: cannot read the key file: {error.strerror or error}") from error
    # Group read is the documented install (root:klaro 0640, ops/wine/setup-host.sh): the service's
    # group must read a file it does not own. Anything wider lets another user take the key.
    if os.name == "posix" and mode & (stat.S_IWGRP | stat.S_IXGRP | stat.S_IRWXO):
        log.warning(
            "key file %s is open to others or group-writable (mode %o); chmod 600 it, or 640 with the worker's group",
            path,
            mode & 0o777,
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
