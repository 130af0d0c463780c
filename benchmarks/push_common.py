"""What the push benchmarks share: push service doubles in their own processes, subscribed
residents inserted in bulk, and real ``flask push worker`` processes with their peak memory
and CPU time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WorkerRun:
    peak_mib: float
    cpu_s: float  # after start-up
    sent: int


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mib(pid: int) -> float:
    """The process's peak resident memory (VmHWM). Not ``ru_maxrss``: a child starts with the
    parent's at fork and keeps it across exec, so it would show the benchmark's own size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


class Doubles:
    """``count`` push service doubles (tests/push/double.py), each its own process and origin,
    as several push services are (FCM, Mozilla, Apple): the decryption they do for every
    message is spread over processes, and subscriptions are handed out from each in turn."""

    def __init__(self, count: int, delay: float, vapid_public_key: str) -> None:
        self.processes: list[subprocess.Popen] = []
        self.origins: list[str] = []
        for _ in range(count):
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "tests.push.double", "--port", "0"),
                    *("--delay", str(delay), "--vapid-public-key", vapid_public_key),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            assert process.stdout is not None
            self.processes.append(process)
            self.origins.append(process.stdout.readline().strip())
        self.cpu_mark = 0.0

    def subscribe(self, count: int) -> list[dict[str, Any]]:
        """``count`` subscriptions, in a few requests, spread evenly over the doubles."""
        made: list[dict[str, Any]] = []
        share = -(-count // len(self.origins))
        for origin in self.origins:
            wanted = min(share, count - len(made))
            while wanted > 0:
                step = min(20_000, wanted)
                response = requests.post(
                    f"{origin}/_double/subscriptions", params={"count": step}, timeout=120
                )
                made.extend(response.json())
                wanted -= step
        return made

    def stats(self) -> dict[str, int]:
        """The doubles' counters, summed."""
        total: dict[str, int] = {}
        for origin in self.origins:
            for key, value in requests.get(f"{origin}/_double/stats", timeout=60).json().items():
                total[key] = total.get(key, 0) + value
        return total

    def cpu(self) -> float:
        """CPU seconds the doubles spent so far."""
        return sum(process_cpu(process.pid) for process in self.processes)

    def wait_accepted(self, before: int, count: int, patience: float = 60.0) -> int:
        """Until ``count`` more messages were accepted, or none came for ``patience`` s."""
        seen, last_progress = before, time.monotonic()
        while seen - before < count and time.monotonic() - last_progress < patience:
            time.sleep(0.05)
            now = self.stats()["accepted"]
            if now > seen:
                seen, last_progress = now, time.monotonic()
        return seen - before

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(30)
            if process.stdout is not None:
                process.stdout.close()


def add_residents(commune_id: int, subscriptions: list[dict[str, Any]]) -> None:
    """One resident per subscription, inserted in bulk (multi-row INSERTs, 5,000 at a time)."""
    from app.accounts.models import Account
    from app.extensions import db
    from app.membership.models import Membership
    from app.push.models import PushSubscription

    first = (db.session.scalar(select(func.max(Account.id))) or 0) + 1
    for start in range(0, len(subscriptions), 5000):
        chunk = subscriptions[start : start + 5000]
        ids = range(first + start, first + start + len(chunk))
        db.session.execute(insert(Account), [{"id": i, "display_name": f"R{i}"} for i in ids])
        db.session.execute(
            insert(Membership),
            [{"account_id": i, "commune_id": commune_id, "role": "resident"} for i in ids],
        )
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "account_id": i,
                    "endpoint": sub["endpoint"],
                    "p256dh": sub["keys"]["p256dh"],
                    "auth": sub["keys"]["auth"],
                }
                for i, sub in zip(ids, chunk, strict=True)
            ],
        )
        db.session.commit()


def worker_env(tmp: str, url: str, vapid_path: str) -> dict[str, str]:
    """The environment of a ``flask push worker`` against the benchmark's database."""
    return {
        **os.environ,
        "INSTANCE_PATH": tmp,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "BASE_URL": "http://127.0.0.1:8000",
        "PUSH_ALLOWED_HOSTS": "127.0.0.1",
        "FEEDBACK_VAPID_PRIVATE_KEY_PATH": vapid_path,
    }


def start_workers(env: dict[str, str], count: int, log_dir: str) -> list[tuple[Any, Any, float]]:
    """Start ``count`` worker processes and wait until each is ready (imports take seconds:
    a worker is started once and runs for weeks, so its start is not part of a fan-out)."""
    flask = Path(sys.executable).parent / "flask"
    started = []
    for number in range(count):
        log = open(f"{log_dir}/worker{number}.log", "w+")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            [str(flask), "--app", "wsgi", "push", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        started.append((process, log))
    processes = []
    for process, log in started:
        while "started" not in Path(log.name).read_text():
            if process.poll() is not None:
                raise RuntimeError(Path(log.name).read_text()[-2000:])
            time.sleep(0.05)
        processes.append((process, log, process_cpu(process.pid)))
    return processes


def kill_workers(processes: list[tuple[Any, Any, float]]) -> None:
    """After a failed run: no worker is left behind."""
    for process, log, _cpu in processes:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        log.close()


def stop_workers(processes: list[tuple[Any, Any, float]]) -> list[WorkerRun]:
    """Read each worker's peak memory, SIGTERM it, and take its CPU time from ``wait4``."""
    peaks = [peak_memory_mib(process.pid) for process, _log, _cpu in processes]
    for process, _log, _cpu in processes:
        process.send_signal(signal.SIGTERM)
    runs = []
    for (process, log, cpu_at_start), peak in zip(processes, peaks, strict=True):
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read()
        log.close()
        if process.returncode != 0:
            print(f"  worker failed ({process.returncode}):\n{text[-2000:]}")
        sent = 0
        for line in text.splitlines():
            if "push worker stopped: sent " in line:
                sent = int(line.split("sent ")[1].split(",")[0])
        cpu = usage.ru_utime + usage.ru_stime - cpu_at_start
        runs.append(WorkerRun(peak, cpu, sent))
    return runs
