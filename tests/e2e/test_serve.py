"""`socialservices serve` as an operator meets it: flags, start-up errors, cookies."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx

from tests.support.app_server import BINARY, make_app_server


def test_host_flag_overrides_and_the_printed_address_follows(tmp_path: Path) -> None:
    server = make_app_server(tmp_path)
    server.host = "127.0.0.2"
    server.start()
    try:
        assert f"open http://127.0.0.2:{server.port}/" in server.output
        assert httpx.get(f"http://127.0.0.2:{server.port}/healthz").json()["database"] == "ok"
        key = server.data_dir / "secret_key"
        assert oct(key.stat().st_mode & 0o777) == "0o600"
        assert oct((server.data_dir / "socialservices.db").stat().st_mode & 0o777) == "0o600"
    finally:
        server.stop()


def test_port_in_use_stops_start_up_with_one_line(tmp_path: Path) -> None:
    server = make_app_server(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        result = subprocess.run(
            [str(BINARY), "serve", "--port", str(server.port)],
            env=server.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: SOCIALSERVICES_PORT: 127.0.0.1:{server.port} is already in use"
    )


def test_unreachable_database_stops_start_up_with_one_line(tmp_path: Path) -> None:
    server = make_app_server(tmp_path, database_url="postgresql://postgres@127.0.0.1:1/test")
    result = subprocess.run(
        [str(BINARY), "serve", "--port", str(server.port)],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: SOCIALSERVICES_DATABASE_URL: cannot connect: ")


def test_session_cookie_is_secure_behind_https(tmp_path: Path) -> None:
    server = make_app_server(tmp_path, public_url="https://sso.example.org").start()
    try:
        response = httpx.get(f"{server.base_url}/login")
        cookie = response.headers["set-cookie"].lower()
        assert "socialservices_session=" in cookie
        assert "; secure" in cookie and "; httponly" in cookie and "samesite=lax" in cookie
        assert "https://sso.example.org/setup?token=" in server.output
    finally:
        server.stop()
