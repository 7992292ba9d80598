"""Interop with klarod's Swift sealing: the fixed vector of docs/crypto.md (§3, in-flight test vector).

Copied from docs/crypto.md as written on the `crypto` branch (KlaroCrypto, HostSealTests.swift).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klaro_worker import keys, sealing

HOST_PRIVATE = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
HOST_PUBLIC_B64 = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
FINGERPRINT = "SHA256:815WFhYKML88bnn6c8V21AIF6Pw7pOHG3Pk+a5joV7Q"
EPHEMERAL_PRIVATE = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
NONCE = bytes.fromhex("000102030405060708090a0b")
JOB_ID = "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f"
PLAINTEXT = "Klaro-Passw0rd! äöü €"
SEALED = (
    "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCgsJv6VI1geJMKny3lI/8PXaq64q6u5++Kl9UYuE9b4u"
    "qbUNC7v/9piBWho="
)


def host() -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(HOST_PRIVATE)


def test_host_key_and_fingerprint_match_klarod() -> None:
    assert keys.public_base64(host()) == HOST_PUBLIC_B64
    assert keys.fingerprint(host()) == FINGERPRINT


def test_worker_opens_klarods_sealed_password() -> None:
    opened = sealing.open_sealed(host(), JOB_ID, SEALED)
    assert bytes(opened).decode("utf-8") == PLAINTEXT
    assert len(PLAINTEXT.encode()) == 26


def test_worker_seals_byte_for_byte_like_klarod() -> None:
    again = sealing.seal(
        host().public_key(),
        JOB_ID,
        PLAINTEXT.encode(),
        ephemeral=X25519PrivateKey.from_private_bytes(EPHEMERAL_PRIVATE),
        nonce=NONCE,
    )
    assert again == SEALED


def test_vector_refused_under_another_job_id_or_key() -> None:
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(host(), "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5e", SEALED)
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(X25519PrivateKey.generate(), JOB_ID, SEALED)
