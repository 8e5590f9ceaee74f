"""Load: N submissions posted at once through the API, graded by each job runner.

    python benchmarks/load.py [NOTEBOOK] [--assignment SLUG] [-n N] [--celery 1,2,4]
                              [--broker redis://127.0.0.1:6379/12] [--skip-embedded]

For each set-up, a real ``grader serve`` (waitress, SQLite in a temporary folder) gets N
uploads of the notebook over HTTP from N client threads at once:

  * the embedded runner (``grader serve`` grades, in its worker processes);
  * ``grader serve`` with a broker and one ``grader worker --concurrency K`` for each K
    of ``--celery``.

It prints, per set-up, submissions per minute (the first upload to the last score), the
latency from each upload to its score (p50, p95, max: the client's clock at the upload,
the ``graded_at`` the database holds), and the peak resident memory (VmHWM) of each kind of
process (the web server, the grading / pool processes, the plot process, the sandboxes),
sampled every 0.2 s from /proc. Next to them, the same notebook's code run plainly N times,
one per core at a time: its cells alone (the floor), and its cells and the same checks
with no sandbox (``service_speed.plain_checks``). A benchmark, not a test: it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from service_speed import cores, floor_time, plain_checks  # noqa: E402

PAGE = 4096


class Processes:
    """Peak resident memory of a process tree, by kind, sampled until ``stop``."""

    def __init__(self, roots: list[tuple[str, int]]) -> None:
        self.roots = roots  # (kind of the root, pid)
        self.peaks: dict[int, tuple[str, int]] = {}  # pid -> (kind, peak kB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Processes:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for kind, pid in self.roots:
                self._walk(pid, kind, root=True)

    def _walk(self, pid: int, kind: str, root: bool = False) -> None:
        status = _status(pid)
        if status is None:
            return
        name = status.get("Name", "")
        if name == "bwrap" or kind == "sandbox":
            kind = "sandbox"
        elif not root:
            kind = _child_kind(kind, pid, name)
        peak = int(status.get("VmHWM", "0 kB").split()[0])
        old = self.peaks.get(pid)
        self.peaks[pid] = (kind, max(peak, old[1] if old else 0))
        for child in _children(pid):
            self._walk(child, kind)

    def table(self) -> list[tuple[str, int, float]]:
        """(kind, processes, largest peak in MiB) per kind."""
        kinds: dict[str, list[int]] = {}
        for kind, peak in self.peaks.values():
            kinds.setdefault(kind, []).append(peak)
        return [(k, len(v), max(v) / 1024) for k, v in sorted(kinds.items())]


def _status(pid: int) -> dict[str, str] | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _nice(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    except (OSError, IndexError, ValueError):
        return 0


def _child_kind(parent: str, pid: int, name: str) -> str:
    """What a child of a ``parent`` process is: the embedded runner's fork server and its
    grading and plot processes (the plot process runs niced), a Celery worker's pool."""
    if parent == "fork server":  # its children share its command line
        return "plot process" if _nice(pid) >= 10 else "grading process"
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        cmdline = ""
    if "resource_tracker" in cmdline:
        return "resource tracker"
    if "forkserver" in cmdline:
        return "fork server"
    if parent == "celery worker (main)":
        return "celery pool process"
    return f"{parent} child"


class Stack:
    """``grader serve`` (and ``grader worker``s), each in its own process group."""

    def __init__(self, folder: Path, broker: str | None, concurrency: int) -> None:
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = f"sqlite:///{folder}/grader.db"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "GRADER_INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": self.database,
            "GRADER_ASSIGNMENTS_DIR": str(ROOT / "assignments"),
            "GRADER_RATE_LIMIT_TOKEN": "100000/minute",
            "GRADER_QUEUE_LIMIT": "0",
        }
        if broker:
            self.env["GRADER_BROKER_URL"] = broker
        self.concurrency = concurrency
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.log = folder / "stack.log"

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "grader", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode:
            raise RuntimeError(f"grader {' '.join(args)}: {done.stderr[-2000:]}")
        return done.stdout

    def _spawn(self, kind: str, *args: str) -> subprocess.Popen:
        out = self.log.open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "grader", *args],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((kind, process))
        return process

    def start(self) -> str:
        self.cli("db", "upgrade")
        token = self.cli("token", "create", "load").strip()
        self._spawn("web server", "serve", "--port", str(self.port))
        if self.concurrency:
            self._spawn("celery worker (main)", "worker", "--concurrency", str(self.concurrency))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for _, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"exited: {self.log.read_text()[-3000:]}")
            ready = not self.concurrency or " ready." in self.log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    if ready:
                        return token
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"did not start: {self.log.read_text()[-3000:]}")

    def settle(self, seconds: float = 8.0) -> None:
        """Idle: warm sandboxes started (their start-up is not part of the load)."""
        time.sleep(seconds)

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def post(url: str, token: str, filename: str, data: bytes, student: str) -> str:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="student"\r\n\r\n{student}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())["id"]


def graded_at(database: str, ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    """{id: (status, graded_at as UTC)} read from the service's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, status, graded_at FROM submissions"))
            out = {}
            for sub_id, status, at in rows:
                if sub_id in ids:
                    if isinstance(at, str):
                        at = datetime.fromisoformat(at)
                    if at is not None and at.tzinfo is None:
                        at = at.replace(tzinfo=UTC)
                    out[sub_id] = (status, at)
            return out
    finally:
        engine.dispose()


def load(stack: Stack, token: str, slug: str, notebook: Path, count: int) -> dict[str, float]:
    url = f"{stack.url}/api/v1/assignments/{slug}/submissions"
    data = notebook.read_bytes()
    uploads: dict[str, float] = {}

    def one(i: int) -> None:  # one student each, as in a deadline rush
        at = time.time()
        uploads[post(url, token, notebook.name, data, f"student-{i}")] = at

    with ThreadPoolExecutor(count) as pool:
        list(pool.map(one, range(count)))
    ids = list(uploads)
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        rows = graded_at(stack.database, ids)
        if len(rows) == count and all(
            s in ("graded", "rejected", "error") for s, _ in rows.values()
        ):
            break
        time.sleep(0.5)
    else:
        raise TimeoutError("not every submission was graded in 30 minutes")
    bad = [s for s, _ in rows.values() if s != "graded"]
    if bad:
        print(f"  ({len(bad)} of {count} not graded: {sorted(set(bad))})")
    latencies = sorted(rows[i][1].timestamp() - uploads[i] for i in ids)  # type: ignore[union-attr]
    span = max(rows[i][1].timestamp() for i in ids) - min(uploads.values())  # type: ignore[union-attr]
    return {
        "per_minute": count * 60 / span,
        "p50": statistics.median(latencies),
        "p95": latencies[max(0, round(0.95 * count) - 1)],
        "max": latencies[-1],
    }


def plain_batch(fn, args: list, count: int) -> float:
    """Per minute: ``fn(*args)`` ``count`` times, one per core at a time."""
    with ProcessPoolExecutor(cores()) as pool:
        list(pool.map(fn, *[[a] * cores() for a in args]))  # imports, caches
        start = time.perf_counter()
        list(pool.map(fn, *[[a] * count for a in args]))
        return count * 60 / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebook", nargs="?", default=str(ROOT / "submissions/xor-mlp/correct.ipynb")
    )
    parser.add_argument("--assignment", default="xor-mlp")
    parser.add_argument("-n", type=int, default=20, help="submissions per set-up")
    parser.add_argument("--celery", default="1,2,4", help="worker processes to try ('' none)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--skip-embedded", action="store_true")
    args = parser.parse_args()
    notebook = Path(args.notebook).resolve()
    setups = [] if args.skip_embedded else [("embedded runner", None, 0)]
    setups += [
        (f"celery, {k} worker process{'es' if k > 1 else ''}", args.broker, k)
        for k in (int(x) for x in args.celery.split(",") if x.strip())
    ]
    results = []
    for label, broker, concurrency in setups:
        if broker:
            import redis

            redis.Redis.from_url(broker).flushdb()  # this benchmark's own database
        with tempfile.TemporaryDirectory() as folder:
            stack = Stack(Path(folder), broker, concurrency)
            try:
                token = stack.start()
                stack.settle()
                roots = [(kind, p.pid) for kind, p in stack.processes]
                with Processes(roots) as memory:
                    figures = load(stack, token, args.assignment, notebook, args.n)
                results.append((label, figures, memory.table()))
            except Exception:
                print(stack.log.read_text(errors="replace")[-4000:], file=sys.stderr)
                raise
            finally:
                stack.stop()
        print(f"done: {label}", file=sys.stderr)
    floor = plain_batch(floor_time, [notebook], args.n)
    checked = plain_batch(plain_checks, [args.assignment, str(notebook)], args.n)

    print(
        f"notebook: {notebook.name}  assignment: {args.assignment}  N={args.n} posted at once  "
        f"cores: {cores()}"
    )
    print(f"  {'':36} {'per min':>8} {'p50 s':>7} {'p95 s':>7} {'max s':>7}  peak memory (MiB)")
    for label, f, table in results:
        memory = ", ".join(
            f"{kind} {mib:.0f}" + (f" (x{n})" if n > 1 else "") for kind, n, mib in table
        )
        print(
            f"  {label:36} {f['per_minute']:8.1f} {f['p50']:7.1f} {f['p95']:7.1f} {f['max']:7.1f}"
            f"  {memory}"
        )
    print(f"  {f'plain cells, {cores()} at a time':36} {floor:8.1f}")
    print(f"  {f'plain cells + checks, {cores()} at a time':36} {checked:8.1f}")


if __name__ == "__main__":
    main()
