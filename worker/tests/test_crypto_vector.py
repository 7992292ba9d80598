"""Interop with klarod's Swift sealing: the fixed vectors of docs/crypto.md (§3, in-flight test vectors).

Copied from docs/crypto.md (KlaroCrypto, HostSealTests.swift): seal v2, what klarod sends, and v1.
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
BINDING = sealing.SealBinding(
    job_id="5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f",
    account_id="6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d10",
    login=5012345,
    server="Broker-Demo",
)
PLAINTEXT = "Klaro-Passw0rd! äöü €"
ADDITIONAL_DATA_V2 = (
    "0000002435663063366138652d336231642d346332612d396537662d3061316232633364346535660000002436663163316138652d336630622d"
    "346434652d396335352d32623161306637653964313000000007353031323334350000000b42726f6b65722d44656d6f"
)
SEALED_V1 = (
    "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCgsJv6VI1geJMKny3lI/8PXaq64q6u5++Kl9UYuE9b4u"
    "qbUNC7v/9piBWho="
)
SEALED_V2 = (
    "v2:hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCguOTC2wvmntT4mThgBuYoIJkeGReN2e6O34E9DqCSuetgwc35XgQKZ"
    "Ri+E="
)


def host() -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(HOST_PRIVATE)


def test_host_key_and_fingerprint_match_klarod() -> None:
    assert keys.public_base64(host()) == HOST_PUBLIC_B64
    assert keys.fingerprint(host()) == FINGERPRINT


def test_binding_encodes_like_klarod() -> None:
    assert BINDING.additional_data(2).hex() == ADDITIONAL_DATA_V2
    assert BINDING.additional_data(1) == BINDING.job_id.encode()


def test_worker_opens_klarods_sealed_password() -> None:
    opened = sealing.open_sealed(host(), BINDING, SEALED_V2)
    assert bytes(opened).decode("utf-8") == PLAINTEXT
    assert len(PLAINTEXT.encode()) == 26
    assert bytes(sealing.open_sealed(host(), BINDING, SEALED_V1, accept_v1=True)).decode("utf-8") == PLAINTEXT


@pytest.mark.parametrize(("version", "expected"), [(1, SEALED_V1), (2, SEALED_V2)])
def test_worker_seals_byte_for_byte_like_klarod(version: int, expected: str) -> None:
    again = sealing.seal(
        host().public_key(),
        BINDING,
        PLAINTEXT.encode(),
        version=version,
        ephemeral=X25519PrivateKey.from_private_bytes(EPHEMERAL_PRIVATE),
        nonce=NONCE,
    )
    assert again == expected


@pytest.mark.parametrize(
    "changed",
    [
        {"job_id": "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5e"},
        {"account_id": "6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d11"},
        {"login": 5012346},
        {"server": "Evil-Server"},
    ],
)
def test_vector_refused_for_other_job_fields(changed: dict[str, object]) -> None:
    other = sealing.SealBinding(**{**BINDING.__dict__, **changed})
    with pytest.raises(sealing.SealError, match="authentication failed"):
        sealing.open_sealed(host(), other, SEALED_V2)


def test_vector_refused_under_another_key_and_v1_refused_by_default() -> None:
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(X25519PrivateKey.generate(), BINDING, SEALED_V2)
    with pytest.raises(sealing.SealError, match="seal v1"):
        sealing.open_sealed(host(), BINDING, SEALED_V1)
    with pytest.raises(sealing.SealError, match="authentication failed"):
        sealing.open_sealed(host(), BINDING, "v2:" + SEALED_V1)
    with pytest.raises(sealing.SealError, match="version 3"):
        sealing.open_sealed(host(), BINDING, "v3:" + SEALED_V2[3:])
