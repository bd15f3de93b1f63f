"""Processes the deployment tests start themselves: a private redis-server on a free port (killed by its PID), and
helpers to wait for a port or a condition."""
import socket
import subprocess
import time
from pathlib import Path
from shutil import which


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class RedisServer:
    """`redis-server` on a free port, no persistence, in `workdir`. `url(db)` is its REDIS_URL."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.log = open(workdir / "redis.log", "w")
        self.proc = subprocess.Popen(
            [which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir)], stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port), 10, "redis-server to listen")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


def redis_available() -> bool:
    return which("redis-server") is not None
