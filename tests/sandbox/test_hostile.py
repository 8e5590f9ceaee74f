"""Hostile submissions through the real CLI: `python -m grader grade SLUG FILE --json`.

Every file in tests/sandbox/hostile/ is a complete submission carrying one attack (its
docstring says which). Whatever it does, the CLI must print one graded result and
exit 0; checks whose functions are wrong (or forged) must fail; nothing secret may
come back; the host must be unaffected; the run must end within its limits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.sandbox import slots
from grader.sandbox.run_limits import Limits
from grader.sandbox.runner import START_CPU_SECONDS

REPO = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"
UNPRIVILEGED = Path(__file__).resolve().parent / "unprivileged.py"
SECRET = "topsecret-xyz-" + uuid.uuid4().hex[:12]
CLI_TIMEOUT = 180


@dataclass
class Attack:
    slug: str = "xor-mlp"
    must_fail: tuple[str, ...] = ()
    must_pass: tuple[str, ...] = ()
    max_seconds: float = 60.0
    slow: bool = False
    #: waits on the run's time limits: graded with short ones (``short_timers``)
    short_timers: bool = False
    details: bool = True  # also show the run log (the student's output) in the JSON
    shows_marker: bool = False  # the attack reports its loot/marker through feedback
    never_in_output: tuple[str, ...] = field(default_factory=tuple)
    #: asserts the bounds that must hold on the report the attack prints after its MARKER
    bounds: Callable[[dict], None] | None = None
    #: also render the feedback plots (work the trusted process does on what came back)
    plots: bool = False
    #: a fixed draw of the grading's random inputs, for an attack that only works on some
    #: draws (the bound holds on every draw; the feedback it asserts needs the attack to work)
    seed: int | None = None
    #: peak memory of the trusted process (a normal grading with plots: about 100 MB)
    max_grader_mb: float = 300.0
    #: bytes of the result the service would store (checks and run log)
    max_stored_kb: float = 300.0
    zero: tuple[str, ...] = ()  # checks that must score nothing at all
    says: tuple[str, ...] = ()  # words the zero-scored checks' feedback must contain
    #: lines the attack must have printed (``{marker}`` stands for its marker)
    prints: tuple[str, ...] = ()


LIMITS = Limits()
MIB = 1024 * 1024


def within_process_limits(report: dict) -> None:
    """Every process of the run is under the run's limits and its seccomp filter, and no
    more processes or memory than the limits could be had from any of them."""
    assert report["processes"], report
    for proc in report["processes"]:
        assert proc["Seccomp"] == "2" and proc["NoNewPrivs"] == "1", proc
        assert proc["Max address space"] != "unlimited", proc
        assert int(proc["Max address space"]) <= LIMITS.memory_mb * MIB, proc
        assert proc["Max cpu time"] != "unlimited", proc
        assert int(proc["Max cpu time"]) <= LIMITS.cpu_seconds + START_CPU_SECONDS, proc
        # unprivileged, the limit counts the grader's own processes too (a handful)
        assert int(proc["Max processes"]) <= LIMITS.processes + 16, proc
    assert not report["pid1_mem_writable"], "another process's memory was writable"
    assert report["forked"] < LIMITS.processes, report
    assert report["touched_mb"] <= LIMITS.memory_mb, report


def within_memory_filesystems(report: dict) -> None:
    """Writable mounts are size-bounded; memory outside RLIMIT_AS cannot be held."""
    assert report["/dev/shm"] <= LIMITS.shm_mb, report
    assert report["/tmp"] <= LIMITS.tmp_mb, report
    assert report["/dev"] == 0, report
    for way in ("memfd", "sysv_shm", "sysv_queue", "posix_queue"):
        assert report[way] == 0, report


BACKWARD = ("backward", "backward-numerical", "xor-converges")
ATTACKS = {
    "forged_stdout_stderr_results": Attack(must_fail=BACKWARD, details=False),
    "forged_records_malformed": Attack(must_fail=BACKWARD),
    "forged_records_bad_shapes": Attack(must_fail=BACKWARD),
    "frame_walk_rewrite": Attack(must_fail=BACKWARD),
    "monkeypatch_numpy_builtins": Attack(must_fail=BACKWARD, must_pass=("sigmoid",)),
    "eq_anything": Attack(must_fail=("sigmoid", "loss", *BACKWARD)),
    "pickle_payload": Attack(must_fail=("sigmoid", "sigmoid_derivative", "loss", *BACKWARD)),
    "hunt_reference_and_secrets": Attack(
        slug="circles-softmax",
        must_fail=("error_hidden", "gradient_weight_hidden", "gradient_bias_hidden"),
        must_pass=("logistic",),
        shows_marker=True,
        # functions that only the reference has: its source must not come back
        never_in_output=("def cost_of_params", "def init_params", "Runs only in the trusted"),
    ),
    "read_other_submissions": Attack(
        slug="circles-softmax",
        must_fail=("error_hidden",),
        must_pass=("logistic",),
        shows_marker=True,
        never_in_output=("grader-sandbox-slots",),
    ),
    "network_loopback": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid",),
        shows_marker=True,
        never_in_output=("CONNECTED 127", "CONNECTED ::1"),
    ),
    "exit_at_import": Attack(must_fail=("sigmoid", *BACKWARD)),
    "exit_in_function": Attack(must_fail=BACKWARD, must_pass=("sigmoid", "forward", "loss")),
    "kill_parent": Attack(must_fail=BACKWARD, must_pass=("sigmoid",)),
    "fork_bomb": Attack(must_fail=BACKWARD, slow=True, short_timers=True),
    "daemon_survivor": Attack(must_pass=("sigmoid",)),
    "threads_keep_running": Attack(must_pass=("sigmoid_derivative",)),
    "memory_bomb": Attack(
        must_fail=BACKWARD, must_pass=("sigmoid",), slow=True, short_timers=True, max_seconds=90
    ),
    "infinite_loop_toplevel": Attack(
        must_pass=("sigmoid", "backward"), slow=True, short_timers=True, max_seconds=90
    ),
    "infinite_loop_function": Attack(
        must_fail=BACKWARD, must_pass=("sigmoid",), slow=True, short_timers=True, max_seconds=90
    ),
    "sleep_forever": Attack(
        must_fail=("loss",), must_pass=("sigmoid",), slow=True, short_timers=True, max_seconds=90
    ),
    "signals_ignored": Attack(must_fail=BACKWARD, slow=True, short_timers=True, max_seconds=90),
    "output_flood": Attack(must_pass=("loss",), slow=True, short_timers=True, max_seconds=90),
    "escape_limits_from_pid1": Attack(
        must_fail=BACKWARD, must_pass=("sigmoid",), shows_marker=True, bounds=within_process_limits
    ),
    "fill_memory_filesystems": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid",),
        shows_marker=True,
        bounds=within_memory_filesystems,
    ),
    "daemon_clears_deathsig": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid",),
        max_seconds=90,
        # the parent-death signal that ends the run with the grader cannot be cleared
        prints=("{marker} refused",),
    ),
    # the shell it becomes waits for the run's limits (its cell's alarm survives the exec)
    "thread_execs_without_deathsig": Attack(
        must_fail=BACKWARD, slow=True, short_timers=True, max_seconds=90
    ),
    "amplify_plot_shapes": Attack(
        slug="circles-softmax",
        must_fail=("circles-converges",),
        must_pass=("logistic", "backprop_gradients"),
        plots=True,
        max_seconds=30,
    ),
    "forged_records_flood": Attack(must_fail=BACKWARD, max_seconds=30),
    # convergence without training (issue 13): passing needs gradient steps of one's own
    "hand_written_xor_weights": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid", "forward", "loss"),
        zero=("xor-converges",),
        says=("did not update the parameters by gradient descent",),
    ),
    "fake_loss_curve": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid", "forward", "loss"),
        zero=("xor-converges",),
        says=("did not update the parameters by gradient descent",),
    ),
    "sklearn_mlp_train": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid", "forward", "loss"),
        zero=("xor-converges",),
        says=("`sklearn.neural_network` is not allowed in this assignment",),
    ),
    "sklearn_mlp_hidden_import": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid", "forward", "loss"),
        zero=("xor-converges",),
        says=("did not update the parameters by gradient descent",),
    ),
    "circles_jump_to_fitted_weights": Attack(
        slug="circles-softmax",
        must_fail=("error_output", "backprop_gradients", "update_velocity"),
        must_pass=("logistic", "softmax", "nn", "cost"),
        zero=("circles-converges",),
        says=("did not follow the momentum update",),
        # scipy's fit reaches 100% from the starting weights of this draw (not of every draw:
        # where no seed converges, the check says so, with the same zero)
        seed=1,
    ),
    "disk_fill": Attack(
        must_fail=BACKWARD,
        must_pass=("sigmoid",),
        shows_marker=True,
        never_in_output=("STOPPED /job after 1",),
    ),
}


def test_every_hostile_file_has_an_expectation():
    files = {p.stem for p in HOSTILE.glob("*.py")}
    assert files == set(ATTACKS), files ^ set(ATTACKS)


#: the time limits of the assignment copy that the slow attacks are graded with: they end
#: by the same bounds (a cell, a task, the whole run cut at its limit) in seconds, not minutes
SHORT_TIMERS = {"wall_seconds": 40, "cell_seconds": 4, "task_seconds": 4}
SHORT_CONVERGENCE_SECONDS = 6


@pytest.fixture(scope="session")
def short_timers() -> Iterator[Path]:
    """A folder of assignments (GRADER_ASSIGNMENTS_DIR) with the short time limits, which
    the unprivileged variant can read too."""
    root = Path(tempfile.mkdtemp(prefix="grader-short-timers-"))
    root.chmod(0o755)
    for slug in ("xor-mlp", "circles-softmax"):
        shutil.copytree(REPO / "assignments" / slug, root / slug)
        spec = root / slug / "assignment.toml"
        text = re.sub(
            r"^seconds = \d+$",
            f"seconds = {SHORT_CONVERGENCE_SECONDS}",
            spec.read_text(),
            flags=re.M,
        )
        assert "[limits]" not in text, "merge the short timers into the assignment's own limits"
        limits = "".join(f"{key} = {value}\n" for key, value in SHORT_TIMERS.items())
        spec.write_text(f"{text}\n[limits]\n{limits}")
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def sandbox_available():
    if not shutil.which("bwrap"):
        pytest.skip(
            "bubblewrap (bwrap) is not installed: hostile submissions need the real sandbox"
        )
    for slug in ("xor-mlp", "circles-softmax"):
        if not (REPO / "assignments" / slug / "reference.py").exists():
            pytest.skip(f"the built-in assignment {slug} is not there yet")


def marker_of(path: Path) -> str:
    match = re.search(r'^MARKER = "([^"]+)"', path.read_text(), re.M)
    assert match, f"{path.name} needs a MARKER line"
    return match.group(1)


def armed(name: str, folder: Path) -> tuple[Path, str]:
    """A copy of the attack whose marker is this run's own, so that the processes and files
    of other runs of the same attack (the other variant, another suite on the machine)
    are never taken for this run's."""
    path = HOSTILE / f"{name}.py"
    marker = f"{marker_of(path)}-{uuid.uuid4().hex[:12]}"
    copy = folder / path.name
    copy.write_text(path.read_text().replace(marker_of(path), marker))
    return copy, marker


def alive_with(marker: str) -> list[str]:
    """Processes whose command line carries ``marker``, with what tells where they run."""
    found = []
    for pid, cmd in slots.proc_files("cmdline"):
        if pid == os.getpid() or marker not in cmd:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        keep = ("PPid", "Uid", "NSpid", "State")
        where = " ".join(line for line in status.splitlines() if line.split(":")[0] in keep)
        found.append(f"{pid} ({' '.join(where.split())}): {cmd[:200]!r}")
    return found


def secret_lines(slug: str, submission: str) -> list[str]:
    """Distinctive lines of the reference solution (not in the submission or the public toml)."""
    folder = REPO / "assignments" / slug
    public = submission + (folder / "assignment.toml").read_text()
    lines = []
    for line in (folder / "reference.py").read_text().splitlines():
        text = line.strip()
        if len(text) >= 25 and text not in public:
            lines.append(text)
    return lines


def shadow_line() -> str | None:
    try:
        first = Path("/etc/shadow").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return first if len(first.split(":")[1]) > 1 else first


USERS = ("root", "unprivileged")


#: the CLI, reporting on stderr the peak memory of its own process (not the sandbox's). VmHWM,
#: not ru_maxrss: the latter keeps the peak of the process we were forked from (pytest's)
MEASURED_CLI = (
    "import atexit, re, sys; atexit.register(lambda: print('grader-maxrss-kb=' + re.search("
    "r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1), file=sys.stderr)); "
    "sys.argv = ['grader', *sys.argv[1:]]; from grader.cli import main; main()"
)


def grade_argv(
    slug: str,
    path: Path,
    *,
    details: bool,
    user: str = "root",
    plots: Path | None = None,
    seed: int | None = None,
) -> list[str]:
    """The CLI, or as an unprivileged user (as in the container) when we are root."""
    if user == "unprivileged" and os.geteuid() == 0:
        argv = [sys.executable, str(UNPRIVILEGED), slug, str(path)]
    else:
        argv = [sys.executable, "-c", MEASURED_CLI, "grade", slug, str(path), "--json"]
    argv += ["--details"] if details else []
    argv += ["--plots", str(plots)] if plots else []
    return argv + (["--seed", str(seed)] if seed is not None else [])


def grader_maxrss_mb(stderr: str) -> float:
    found = re.findall(r"grader-maxrss-kb=(\d+)", stderr)
    assert found, f"no memory figure from the grader: {stderr[-1000:]}"
    return int(found[-1]) / 1024


def worker_uid() -> str:
    """Runs on one uid share one process budget: one uid per test worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return str(60900 + int(worker))


def skip_unless_user(user: str) -> None:
    if user == "root" and os.geteuid() != 0:
        pytest.skip("grading as root needs root")


def grade(
    slug: str,
    path: Path,
    *,
    details: bool,
    env: dict | None = None,
    user: str = "root",
    plots: Path | None = None,
    seed: int | None = None,
):
    argv = grade_argv(slug, path, details=details, user=user, plots=plots, seed=seed)
    environment = dict(os.environ, GRADER_SECRET_KEY=SECRET, GRADER_HOSTILE_TOKEN=SECRET)
    environment.pop("GRADER_SANDBOX", None)
    environment["GRADER_TEST_UID"] = worker_uid()
    environment.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        errors="replace",
    )
    return proc, time.monotonic() - start


@pytest.fixture
def other_submission():
    """Another student's job, where the host keeps them while grading."""
    folder = Path(tempfile.mkdtemp(prefix="grader-run-"))
    secret = "other-student-" + uuid.uuid4().hex
    (folder / "job.json").write_text(json.dumps({"cells": [{"source": f"# {secret}"}]}))
    (folder / "submission.py").write_text(f"# {secret}\n")
    yield secret
    shutil.rmtree(folder, ignore_errors=True)


def _params():
    for name, attack in ATTACKS.items():
        for user in USERS:
            marks = [pytest.mark.slow] if attack.slow else []
            yield pytest.param(name, attack, user, id=f"{name}-{user}", marks=marks)


def reported(marker: str, stdout: str) -> dict:
    """The JSON report an attack printed after its marker (in the run log of --details)."""
    result = json.loads(stdout)
    for line in result["log"]["stdout"].splitlines():
        if line.startswith(marker + " {"):
            return json.loads(line[len(marker) + 1 :])
    raise AssertionError(f"no report from the attack: {result['log']['stdout'][-1000:]}")


@pytest.mark.parametrize(("name", "attack", "user"), list(_params()))
def test_hostile_submission(
    name, attack, user, sandbox_available, other_submission, tmp_path, short_timers
):
    skip_unless_user(user)
    env = {"GRADER_ASSIGNMENTS_DIR": str(short_timers)} if attack.short_timers else None
    path, marker = armed(name, tmp_path)
    source = path.read_text()
    host_tmp = Path(tempfile.gettempdir())
    for stale in host_tmp.glob(f"{marker}*"):
        stale.unlink()
    sentinel = subprocess.Popen(["sleep", "300"])
    try:
        plots = tmp_path / "plots" if attack.plots else None
        proc, seconds = grade(
            attack.slug,
            path,
            details=attack.details,
            user=user,
            plots=plots,
            env=env,
            seed=attack.seed,
        )
        sentinel_alive = sentinel.poll() is None
    finally:
        sentinel.kill()
        sentinel.wait()
    output = proc.stdout + proc.stderr

    # The contract: one graded JSON result, exit 0.
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    result = json.loads(proc.stdout)
    assert result["status"] == "graded", result
    assert result["assignment"] == attack.slug
    checks = {c["name"]: c for c in result["checks"]}
    assert checks, result
    assert all(
        set(c) >= {"name", "passed", "score", "max_score", "message"} for c in checks.values()
    )
    assert result["score"] == pytest.approx(sum(c["score"] for c in checks.values()))
    assert all(0 <= c["score"] <= c["max_score"] for c in checks.values())

    # Forged or wrong functions fail; isolated, honest ones keep their points.
    for check in attack.must_fail:
        assert check in checks, (check, sorted(checks))
        assert not checks[check]["passed"], checks[check]
        assert checks[check]["score"] < checks[check]["max_score"], checks[check]
    for check in attack.must_pass:
        assert checks[check]["passed"], checks[check]
    if attack.must_fail:
        assert result["score"] < result["max_score"]
    for check in attack.zero:
        assert checks[check]["score"] == 0, checks[check]
        for words in attack.says:
            assert words in checks[check]["message"], checks[check]["message"]

    # Nothing secret came back.
    assert SECRET not in output
    assert "GRADER_SECRET_KEY" not in output and "GRADER_HOSTILE_TOKEN" not in output
    shadow = shadow_line()
    if shadow:
        assert shadow not in output
        assert shadow.split(":")[1] not in output or len(shadow.split(":")[1]) < 3
    assert other_submission not in output
    for line in secret_lines(attack.slug, source):
        assert line not in output, f"a line of the reference came back: {line!r}"
    assert str(REPO / "assignments") not in output
    assert str(short_timers) not in output
    for text in attack.never_in_output:
        assert text not in source, f"{text!r} is in the submission itself: a useless probe"
        assert text not in output, text
    if attack.shows_marker:
        assert marker in proc.stdout, "the attack did not run (its report is missing)"
    if attack.bounds:
        attack.bounds(reported(marker, proc.stdout))
    for line in attack.prints:
        assert line.format(marker=marker) in result["log"]["stdout"].splitlines(), line
    assert grader_maxrss_mb(proc.stderr) < attack.max_grader_mb
    stored = {"checks": result["checks"], "log": result.get("log"), "error": result["error"]}
    assert len(json.dumps(stored)) < attack.max_stored_kb * 1024, "too much to store"

    # The host is unaffected and the run stayed within its limits.
    assert sentinel_alive, "a process outside the sandbox was killed"
    assert not list(host_tmp.glob(f"{marker}*")), "the submission wrote into the host's /tmp"
    assert not list(REPO.glob(f"{marker}*")), "the submission wrote into the repository"
    assert not alive_with(marker), "processes of the run survived it"
    assert seconds < attack.max_seconds, f"took {seconds:.1f} s"
    if not attack.details:
        assert marker not in proc.stdout, "forged output leaked into the CLI's JSON"
    assert len(proc.stdout) < 2_000_000


def test_forged_stdout_is_not_a_second_result(sandbox_available):
    """The CLI prints exactly one JSON document even when the student prints fake ones."""
    proc, _ = grade("xor-mlp", HOSTILE / "forged_stdout_stderr_results.py", details=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert result["score"] < 100.0
    assert "HOSTILE-FORGED" not in proc.stdout


def test_daemon_cannot_act_later(sandbox_available, tmp_path):
    """The daemon would touch a marker file 8 s after starting: wait and look again."""
    path, marker = armed("daemon_survivor", tmp_path)
    proc, _ = grade("xor-mlp", path, details=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    time.sleep(9)
    assert not alive_with(marker)
    assert not list(Path(tempfile.gettempdir()).glob(f"{marker}*"))


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize(
    ("attack", "processes"),
    [("daemon_clears_deathsig", 1), ("thread_execs_without_deathsig", 2)],
)
def test_nothing_outlives_a_killed_grader(attack, processes, user, sandbox_available, tmp_path):
    """The grader is killed mid-run (SIGKILL: no clean-up of its own runs). The run dies with
    it, as root or not: a daemon that tried to clear its parent-death signal, and a process
    that lost it by exec'ing from a new thread (it has none), with the daemon it detached.
    The grader is killed once all the attack's ``processes`` carry its marker (the second
    attack's daemon comes before the exec that matters)."""
    skip_unless_user(user)
    path, marker = armed(attack, tmp_path)
    argv = grade_argv("xor-mlp", path, details=False, user=user)
    grader = subprocess.Popen(
        argv,
        cwd=REPO,
        env=dict(os.environ, GRADER_TEST_UID=worker_uid()),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(alive_with(marker)) < processes and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(alive_with(marker)) >= processes, "the attack never started"
    finally:
        grader.kill()
        grader.wait()
    deadline = time.monotonic() + 5
    while alive_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive_with(marker), "processes of the run outlived the grader"


def test_pickle_payload_never_runs(sandbox_available, tmp_path):
    path, marker = armed("pickle_payload", tmp_path)
    pwned = Path(tempfile.gettempdir()) / marker
    proc, _ = grade("xor-mlp", path, details=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not pwned.exists()


def test_process_backend_warns_loudly(tmp_path):
    submission = tmp_path / "partial.py"
    submission.write_text(
        "import numpy as np\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    )
    proc, _ = grade("xor-mlp", submission, details=False, env={"GRADER_SANDBOX": "process"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "WITHOUT isolation" in proc.stderr
    assert "GRADER_SANDBOX=process" in proc.stderr
    result = json.loads(proc.stdout)
    assert result["status"] == "graded"
    assert any(c["name"] == "sigmoid" and c["passed"] for c in result["checks"])
