"""Sealing of MT5 passwords to a host's X25519 key (protocol §7).

``password_sealed`` = base64(ephemeral_public 32 ‖ nonce 12 ‖ ciphertext ‖ tag 16);
``shared = X25519(ephemeral, host)``, refused if all zero;
``key = HKDF-SHA256(shared, salt = ephemeral_public ‖ host_public, info = "klaro-seal-v1", 32 bytes)``;
AES-256-GCM with the job id's UTF-8 bytes as additional data.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keys import public_raw

INFO = b"klaro-seal-v1"
_PUBLIC, _NONCE, _TAG = 32, 12, 16


class SealError(Exception):
    """The sealed text cannot be opened (malformed, another key, another job id, or tampered)."""


def _key(shared: bytes, ephemeral_public: bytes, host_public: bytes) -> bytes:
    if shared == bytes(len(shared)):
        raise SealError("the shared secret is all zero (low-order public key)")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + host_public, info=INFO).derive(shared)


def seal(
    host_public: X25519PublicKey,
    job_id: str,
    plaintext: bytes,
    *,
    ephemeral: X25519PrivateKey | None = None,
    nonce: bytes | None = None,
) -> str:
    """Seal ``plaintext`` to ``host_public`` for ``job_id`` (what klarod does; used by tests and tools).

    ``ephemeral`` and ``nonce`` are for test vectors only; real seals must use fresh random ones.
    """
    ephemeral = ephemeral or X25519PrivateKey.generate()
    ephemeral_public = public_raw(ephemeral)
    key = _key(ephemeral.exchange(host_public), ephemeral_public, public_raw(host_public))
    nonce = nonce or os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, plaintext, job_id.encode("utf-8"))
    return base64.b64encode(ephemeral_public + nonce + sealed).decode("ascii")


def open_sealed(host_private: X25519PrivateKey, job_id: str, sealed_b64: str) -> bytearray:
    """Open a sealed text; returns a bytearray the caller should wipe after use."""
    try:
        blob = base64.b64decode(sealed_b64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise SealError("sealed password is not valid base64") from error
    if len(blob) < _PUBLIC + _NONCE + _TAG:
        raise SealError("sealed password is too short")
    ephemeral_public, nonce, sealed = blob[:_PUBLIC], blob[_PUBLIC : _PUBLIC + _NONCE], blob[_PUBLIC + _NONCE :]
    try:
        shared = host_private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    except ValueError as error:
        raise SealError("the ephemeral public key is invalid") from error
    key = _key(shared, ephemeral_public, public_raw(host_private))
    try:
        return bytearray(AESGCM(key).decrypt(nonce, sealed, job_id.encode("utf-8")))
    except InvalidTag as error:
        raise SealError("authentication failed: another host key, another job id, or tampered") from error


def wipe(buffer: bytearray) -> None:
    """Overwrite a secret held in a bytearray (best effort: Python may hold other copies)."""
    for index in range(len(buffer)):
        buffer[index] = 0
