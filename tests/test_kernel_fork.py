"""Kernels forked from a warm zygote (romlab.run.kernel_fork): the notebook runs in a child
of the zygote, in its folder, with the environment jupyter_client gave the kernel; an
interrupt reaches the kernel; without a zygote the stub becomes an ordinary kernel; a
killed stub takes its kernel with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from romlab.run import execute, kernel_fork

pytestmark = pytest.mark.skipif(not kernel_fork.available(), reason="no fork or Unix sockets here")

PROBE = """import json, os, sys
print(json.dumps({"ppid": os.getppid(), "cwd": os.getcwd(), "parent": os.environ.get("JPY_PARENT_PID"),
                  "warm": "great_tables" in sys.modules, "sid": os.getsid(0) == os.getpid()}))"""


def _probe(tmp_path, zygote: str | None) -> dict:
    src, dst = tmp_path / "probe.ipynb", tmp_path / "out.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(PROBE)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, src)
    execute.execute_notebook(src, dst, {"x": 2}, cwd=tmp_path, zygote=zygote)
    out = nbformat.read(dst, as_version=4).cells[-1].outputs
    return json.loads("".join(o.get("text", "") for o in out if o.output_type == "stream"))


def test_fork_command_wraps_only_ipykernel():
    cmd = ["/py", "-m", "ipykernel_launcher", "-f", "/c.json", "--HistoryManager.hist_file=:memory:"]
    assert kernel_fork.fork_command(cmd, "/tmp/z") == [
        "/py", "-I", "-S", os.path.abspath(kernel_fork.__file__), "/tmp/z", "-f", "/c.json",
        "--HistoryManager.hist_file=:memory:"]
    other = ["/r", "--slave", "-f", "/c.json"]
    assert kernel_fork.fork_command(other, "/tmp/z") == other


def test_a_notebook_runs_in_a_fork_of_the_zygote(tmp_path):
    z = kernel_fork.Zygote.start()
    try:
        got = _probe(tmp_path, z.address)
        assert got["ppid"] == z.process.pid  # the kernel is the zygote's child, not a new Python
        assert got["warm"]  # and has its imports
        assert os.path.realpath(got["cwd"]) == os.path.realpath(tmp_path)
        assert got["parent"] == str(os.getpid())  # jupyter_client's environment reached it
        assert got["sid"]  # a session of its own: the zygote's signals do not reach it
    finally:
        z.stop()
    assert not os.path.exists(z.folder) and z.process.poll() is not None


def test_without_a_zygote_the_stub_starts_an_ordinary_kernel(tmp_path):
    got = _probe(tmp_path, str(tmp_path / "no-such-zygote"))
    assert got["ppid"] == os.getpid()  # the stub became the kernel (exec): jupyter_client's child
    assert os.path.realpath(got["cwd"]) == os.path.realpath(tmp_path)


def _stub_with_kernel(z, tmp_path):
    """A stub started as jupyter_client would start it, and its kernel's pid (from the
    connection file's kernel: the zygote's only child)."""
    from jupyter_client.connect import write_connection_file

    conn, _ = write_connection_file(str(tmp_path / "k.json"))
    stub = subprocess.Popen(kernel_fork.fork_command([sys.executable, "-m", "ipykernel_launcher", "-f", conn],
                                                     z.address), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    kids: list[int] = []
    while not kids and time.monotonic() < deadline:
        path = f"/proc/{z.process.pid}/task/{z.process.pid}/children"
        kids = [int(p) for p in open(path).read().split()] if os.path.exists(path) else []
        time.sleep(0.05)
    return stub, kids, conn


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc")
def test_killing_the_stub_kills_its_kernel_and_signals_pass_on(tmp_path):
    z = kernel_fork.Zygote.start()
    try:
        stub, kids, conn = _stub_with_kernel(z, tmp_path)
        assert len(kids) == 1
        kernel = kids[0]
        stub.send_signal(signal.SIGTERM)  # passed on: the kernel ends, so does the stub
        assert stub.wait(timeout=30) != 0
        stub, kids, _ = _stub_with_kernel(z, tmp_path)
        stub.kill()  # the stub cannot pass SIGKILL on: the zygote kills the kernel
        stub.wait(timeout=10)
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{kids[0]}") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(f"/proc/{kids[0]}")
        assert not os.path.exists(f"/proc/{kernel}")
    finally:
        z.stop()
