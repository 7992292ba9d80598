"""Host keys and password sealing (protocol §4, §7)."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from klaro_worker import keys, sealing

JOB = sealing.SealBinding(
    "0193a7c4-5e0b-7cc1-9d6e-52e1d1b2a9f4", "6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d10", 5012345, "Broker-Demo"
)


def test_keygen_writes_a_private_pem_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "host.key"
    key = keys.generate(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert keys.load(path).public_base64 == key.public_base64
    with pytest.raises(keys.KeyFileError, match="already exists"):
        keys.generate(path)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400])
def test_load_accepts_a_key_only_its_owner_and_group_read(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "host.key"
    key = keys.generate(path)
    path.chmod(mode)
    assert keys.load(path).public_base64 == key.public_base64


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o660, 0o666])
def test_load_refuses_a_key_file_others_can_read_or_change(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "host.key"
    keys.generate(path)
    path.chmod(mode)
    with pytest.raises(keys.KeyFileError, match=f"mode {mode:o} lets other users read or change the host key"):
        keys.load(path)


def test_keygen_creates_the_file_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        keys.generate(tmp_path / "a.key")
        keys.generate(tmp_path / "a.key", force=True)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.key").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.key"]  # no temporary file left


def test_keygen_does_not_follow_a_planted_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "readable-by-all"
    link = tmp_path / "host.key"
    link.symlink_to(elsewhere)  # dangling: Path.exists() says False
    with pytest.raises(keys.KeyFileError, match="already exists"):
        keys.generate(link)
    assert not elsewhere.exists()


def test_public_key_and_fingerprint_formats(tmp_path: Path) -> None:
    key = keys.generate(tmp_path / "k")
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", key.public_base64)
    raw = base64.b64decode(key.public_base64)
    expected = "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
    assert key.fingerprint == expected and "=" not in key.fingerprint


def test_load_accepts_base64_raw_and_rejects_garbage(tmp_path: Path) -> None:
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    path = tmp_path / "raw.key"
    path.write_text(base64.b64encode(raw).decode() + "\n")
    path.chmod(0o600)
    assert keys.load(path).public_base64 == keys.public_base64(private)
    path.write_text("not a key")
    with pytest.raises(keys.KeyFileError, match="neither PEM nor base64"):
        keys.load(path)
    with pytest.raises(keys.KeyFileError, match="cannot read"):
        keys.load(tmp_path / "missing.key")


def test_keygen_command_prints_public_key_and_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "host.key"
    done = subprocess.run(
        [sys.executable, "-m", "klaro_worker", "keygen", "--out", str(out)], capture_output=True, text=True, check=True
    )
    key = keys.load(out)
    assert done.stdout.splitlines() == [f"public_key {key.public_base64}", f"fingerprint {key.fingerprint}"]
    again = subprocess.run(
        [sys.executable, "-m", "klaro_worker", "pubkey", "--key-file", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout == done.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "klaro_worker", "keygen", "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert refused.returncode == 1 and "already exists" in refused.stderr


def test_seal_and_open_round_trip() -> None:
    host = X25519PrivateKey.generate()
    sealed = sealing.seal(host.public_key(), JOB, "pässwörd".encode())
    assert sealed.startswith("v2:")
    blob = base64.b64decode(sealed[3:])
    assert len(blob) == 32 + 12 + len("pässwörd".encode()) + 16
    assert bytes(sealing.open_sealed(host, JOB, sealed)) == "pässwörd".encode()
    assert sealing.seal(host.public_key(), JOB, b"x") != sealing.seal(host.public_key(), JOB, b"x")


def test_open_refuses_another_key_other_job_fields_and_tampering() -> None:
    host, other = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    sealed = sealing.seal(host.public_key(), JOB, b"secret")
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(other, JOB, sealed)
    for changed in (
        sealing.SealBinding(JOB.job_id.replace("a", "b"), JOB.account_id, JOB.login, JOB.server),
        sealing.SealBinding(JOB.job_id, JOB.account_id.replace("a", "b"), JOB.login, JOB.server),
        sealing.SealBinding(JOB.job_id, JOB.account_id, JOB.login + 1, JOB.server),
        sealing.SealBinding(JOB.job_id, JOB.account_id, JOB.login, JOB.server + "x"),
        # Length prefixes keep field boundaries: bytes moved from login into server differ.
        sealing.SealBinding(JOB.job_id, JOB.account_id, 501234, "5" + JOB.server),
    ):
        with pytest.raises(sealing.SealError, match="authentication failed"):
            sealing.open_sealed(host, changed, sealed)
    blob = bytearray(base64.b64decode(sealed[3:]))
    blob[-1] ^= 1
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(host, JOB, "v2:" + base64.b64encode(bytes(blob)).decode())
    with pytest.raises(sealing.SealError, match="base64"):
        sealing.open_sealed(host, JOB, "v2:%%%")
    with pytest.raises(sealing.SealError, match="too short"):
        sealing.open_sealed(host, JOB, "v2:" + base64.b64encode(b"short").decode())
    with pytest.raises(sealing.SealError, match="no version"):
        sealing.open_sealed(host, JOB, "x2:" + sealed[3:])


def test_low_order_ephemeral_key_is_refused() -> None:
    host = X25519PrivateKey.generate()
    zero_point = bytes(32)
    blob = zero_point + bytes(12) + bytes(32)
    with pytest.raises(sealing.SealError):
        sealing.open_sealed(host, JOB, "v2:" + base64.b64encode(blob).decode())


def test_wipe_clears_the_buffer() -> None:
    buffer = bytearray(b"secret")
    sealing.wipe(buffer)
    assert buffer == bytearray(6)
