"""Sealing of MT5 passwords to a host's X25519 key (protocol §7, docs/crypto.md §3).

Seal v2, what klarod sends: ``password_sealed`` = ``"v2:"`` + base64(ephemeral_public 32 ‖ nonce 12 ‖
ciphertext ‖ tag 16); ``shared = X25519(ephemeral, host)``, refused if all zero;
``key = HKDF-SHA256(shared, salt = ephemeral_public ‖ host_public, info = "klaro-seal-v2", 32 bytes)``;
AES-256-GCM whose additional data binds the job's ``job_id``, ``account_id``, ``login`` and ``server``
(each as a 4-byte big-endian length and its UTF-8 bytes). A job whose fields were changed in Redis,
or a sealed text copied into another job, does not open.

Seal v1 (no prefix, info ``klaro-seal-v1``, the job id alone as additional data) is refused unless
asked for: it would let whoever can write a host's queue replay a password to a server of theirs.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keys import public_raw

SEAL_REJECTED = "seal_rejected"
"""The result outcome of a job whose sealed password the worker refuses (protocol §8.1)."""

CURRENT_VERSION = 2
_PUBLIC, _NONCE, _TAG = 32, 12, 16
_VERSION_PREFIX = re.compile(r"v(\d{1,3}):")


class SealError(Exception):
    """The sealed text cannot be opened (malformed, another key, other job fields, tampered, or v1)."""


@dataclass(frozen=True)
class SealBinding:
    """The job fields a sealed password is bound to, exactly as the job JSON carries them."""

    job_id: str
    account_id: str
    login: int
    server: str

    @classmethod
    def of(cls, job: Any) -> SealBinding:
        """The binding of a job: a ``protocol.Job`` or a job dict."""
        if isinstance(job, dict):
            return cls(str(job["job_id"]), str(job["account_id"]), int(job["login"]), str(job["server"]))
        return cls(job.job_id, job.account_id, job.login, job.server)

    def additional_data(self, version: int) -> bytes:
        if version == 1:
            return self.job_id.encode("utf-8")
        fields = (self.job_id, self.account_id, str(self.login), self.server)
        return b"".join(len(raw).to_bytes(4, "big") + raw for raw in (field.encode("utf-8") for field in fields))


def _key(shared: bytes, ephemeral_public: bytes, host_public: bytes, version: int) -> bytes:
    if shared == bytes(len(shared)):
        raise SealError("the shared secret is all zero (low-order public key)")
    info = f"klaro-seal-v{version}".encode("ascii")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + host_public, info=info).derive(shared)


def seal(
    host_public: X25519PublicKey,
    binding: SealBinding,
    plaintext: bytes,
    *,
    version: int = CURRENT_VERSION,
    ephemeral: X25519PrivateKey | None = None,
    nonce: bytes | None = None,
) -> str:
    """Seal ``plaintext`` to ``host_public`` for the job ``binding`` names (what klarod does; for tests and tools).

    ``version``, ``ephemeral`` and ``nonce`` are for test vectors only; real seals use v2 and fresh random ones.
    """
    if version not in (1, 2):
        raise ValueError(f"unknown seal version {version}")
    ephemeral = ephemeral or X25519PrivateKey.generate()
    ephemeral_public = public_raw(ephemeral)
    key = _key(ephemeral.exchange(host_public), ephemeral_public, public_raw(host_public), version)
    nonce = nonce or os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, plaintext, binding.additional_data(version))
    prefix = "" if version == 1 else f"v{version}:"
    return prefix + base64.b64encode(ephemeral_public + nonce + sealed).decode("ascii")


def _split(text: str, accept_v1: bool) -> tuple[int, str]:
    match = _VERSION_PREFIX.match(text)
    if match is None:
        if ":" in text:
            raise SealError("sealed password names no version before ':' (expected v2:)")
        if not accept_v1:
            raise SealError("sealed password is seal v1 (bound to the job id alone), which is refused; v2 is required")
        return 1, text
    version = int(match.group(1))
    if version != CURRENT_VERSION:
        raise SealError(f"sealed password is of seal version {version}, which is not accepted (v2 is)")
    return version, text[match.end() :]


def open_sealed(
    host_private: X25519PrivateKey, binding: SealBinding, sealed_text: str, *, accept_v1: bool = False
) -> bytearray:
    """Open a sealed text for the job ``binding`` names; returns a bytearray the caller should wipe after use."""
    version, body = _split(sealed_text.strip(), accept_v1)
    try:
        blob = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SealError("sealed password is not valid base64") from error
    if len(blob) < _PUBLIC + _NONCE + _TAG:
        raise SealError("sealed password is too short")
    ephemeral_public, nonce, sealed = blob[:_PUBLIC], blob[_PUBLIC : _PUBLIC + _NONCE], blob[_PUBLIC + _NONCE :]
    try:
        shared = host_private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as error:
        raise SealError("the ephemeral public key is invalid") from error
    key = _key(shared, ephemeral_public, public_raw(host_private), version)
    try:
        return bytearray(AESGCM(key).decrypt(nonce, sealed, binding.additional_data(version)))
    except InvalidTag as error:
        raise SealError(
            "authentication failed: another host key, other job fields (job id, account, login, server), or tampered"
        ) from error


def wipe(buffer: bytearray) -> None:
    """Overwrite a secret held in a bytearray (best effort: Python may hold other copies)."""
    for index in range(len(buffer)):
        buffer[index] = 0
