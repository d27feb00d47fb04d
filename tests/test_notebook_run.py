"""The hand-over between a run computing its tables and its notebooks started meanwhile
(romlab.run.notebook_run): the pending marker, waiting, and a run whose computation
fails while its notebooks wait."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from romlab import paths
from romlab.run import notebook_run, period, runner
from romlab.run.notebook_run import bundle_state, pending_marker, wait_for_bundle

PERIOD = "2023-10"


def _later(seconds: float, action) -> threading.Thread:
    t = threading.Thread(target=lambda: (time.sleep(seconds), action()))
    t.start()
    return t


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_states_of_a_bundle(tmp_path):
    bundle = tmp_path / ".period.pkl"
    assert bundle_state(bundle) == "gone"  # nothing there, nobody computing
    pending_marker(bundle).write_text(f"{__import__('os').getpid()}\n")
    assert pending_marker(bundle).name == ".period.pkl.pending"
    assert bundle_state(bundle) == "pending"
    pending_marker(bundle).write_text(f"{_dead_pid()}\n")
    assert bundle_state(bundle) == "gone"  # the process computing it was killed
    bundle.write_bytes(b"x")
    assert bundle_state(bundle) == "ready"


def test_waits_while_the_bundle_is_computed(tmp_path):
    bundle = tmp_path / ".period.pkl"
    pending_marker(bundle).write_text(f"{__import__('os').getpid()}\n")
    t0 = time.perf_counter()
    t = _later(0.4, lambda: (bundle.write_bytes(b"x"), pending_marker(bundle).unlink()))
    assert wait_for_bundle(bundle) is True
    t.join()
    assert time.perf_counter() - t0 >= 0.35


def test_waiting_fails_when_computing_stops_without_a_bundle(tmp_path):
    bundle = tmp_path / ".period.pkl"
    pending_marker(bundle).write_text(f"{__import__('os').getpid()}\n")
    t = _later(0.3, pending_marker(bundle).unlink)
    with pytest.raises(RuntimeError, match="stopped computing the tables"):
        wait_for_bundle(bundle)
    t.join()


def test_no_wait_when_nobody_computes(tmp_path):
    bundle = tmp_path / ".period.pkl"
    t0 = time.perf_counter()
    assert wait_for_bundle(bundle) is False
    pending_marker(bundle).write_text(f"{_dead_pid()}\n")  # a run killed while computing
    assert wait_for_bundle(bundle) is False
    assert time.perf_counter() - t0 < 1.0


def test_computation_failing_while_the_notebooks_wait(tmp_path, monkeypatch):
    """The notebooks start at once and wait; computing fails after they started: the run
    fails naming the computation, no notebook counts as run or failed, nothing but the
    manifest is kept, and the notebooks' process has ended."""
    seen = {}

    def slow_failure(cfg, data, mapping=None):
        time.sleep(6)  # the notebooks' kernels have started and are waiting by now
        seen["state"] = bundle_state(next(tmp_path.rglob(period.BUNDLE + notebook_run.PENDING)).with_suffix(""))
        raise ValueError("failed on purpose")

    started = []
    real_start = notebook_run.NotebookRun.start

    def spy(*a, **k):
        started.append(real_start(*a, **k))
        return started[-1]

    monkeypatch.setattr(period, "compute", slow_failure)
    monkeypatch.setattr(notebook_run.NotebookRun, "start", spy)
    out = tmp_path / "runs"
    nbs = runner.section_notebooks()[:2]
    with pytest.raises(runner.RunFailed, match="computing the tables failed: ValueError: failed on purpose"):
        runner.run_period(PERIOD, paths.SAMPLE, out, notebooks=nbs, jobs=2)
    assert seen["state"] == "pending"
    failed = out / f"{PERIOD}.failed"
    assert [p.name for p in failed.iterdir()] == ["manifest.json"]
    m = json.loads((failed / "manifest.json").read_text())
    assert {st["status"] for st in m["notebooks"].values()} == {"not run"}
    assert started and started[0].process.poll() == 0  # the notebooks' process has ended, cleanly


def test_a_successful_run_prints_no_kernel_warning(tmp_path, capfd):
    """The kernels' known-harmless lines (TCP transport, the interrupt at shut-down) are
    not passed on: a successful run's console has no WARNING or ERROR line."""
    nbs = runner.section_notebooks()[:1]
    runner.run_period(PERIOD, paths.SAMPLE, tmp_path, notebooks=nbs, html=False, figures=False)
    err = capfd.readouterr().err
    assert "WARNING" not in err and "ERROR" not in err
