"""Child processes of the benchmark: start pinned to a CPU, wait until they answer, read their CPU time
and memory from /proc (the whole process tree, so a proxy's worker processes count), stop them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinned(cmd: list[str], cpu: int | None) -> list[str]:
    """Prefix `taskset -c cpu` when asked and available (on a 1-CPU machine pinning is skipped)."""
    if cpu is None or not shutil.which("taskset") or (os.cpu_count() or 1) <= cpu:
        return cmd
    return ["taskset", "-c", str(cpu), *cmd]


class Proc:
    def __init__(self, name: str, cmd: list[str], log_dir: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None, cpu: int | None = None) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(pinned(cmd, cpu), env={**os.environ, **(env or {})}, cwd=cwd,
                                     stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_http(self, url: str, timeout: float = 180.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log: "
                                   f"{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not answer {url} within {timeout:.0f} s")

    def tree(self) -> list[int]:
        """This process and every descendant (a proxy may fork workers)."""
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(parents.get(pid, []))
        return out

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime
        return total / CLOCK_TICKS

    def rss_mb(self) -> float:
        total = 0
        for pid in self.tree():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM the process group (graceful: duet flushes its log), SIGKILL if it lingers."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self._log.close()
        return self.proc.returncode
