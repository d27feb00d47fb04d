"""Kernels forked from one warm process, so that a run's notebooks do not each start Python
and import ipykernel, pandas, romlab and the table renderer again.

A run executes its section notebooks at once, each in its own kernel. A new kernel spends
about 1.3 s of CPU importing before it runs its first cell (six kernels: a quarter of a
run's CPU on two cores). Here one process, the *zygote* (`serve`), imports what every
section notebook imports, once, and each kernel is a fork of it (copy-on-write): ready in
a fraction of the time, with the same modules, the same versions and a fresh interpreter
state for the notebook (nothing has run in the zygote but imports and one table rendered
to warm the renderer).

How a kernel is started: jupyter_client launches the command `KernelManager` gives it
(`fork_command`): this file run as a script (``python -I -S kernel_fork.py SOCKET ARGS``,
standard library only, starts in milliseconds), the *stub*. The stub sends the zygote its
arguments (``-f CONNECTION_FILE …``), working directory, environment and standard
streams (file descriptors over the Unix socket); the zygote forks; the child becomes the
kernel in a session of its own (``IPKernelApp.launch_instance``). The stub stays as the
process jupyter_client watches: it passes on the signals it gets (an interrupt is a
SIGINT) and exits with the kernel's exit code when the zygote tells it. If the stub is
killed, the zygote kills its kernel; if the zygote dies, its kernels die with it (Linux's
parent-death signal). When the zygote cannot be reached, the stub becomes an ordinary
kernel (``python -m ipykernel_launcher``), so a run never depends on this working.

Used only where ``os.fork`` and Unix sockets exist (`available`); ``ROMLAB_KERNEL_FORK=0``
turns it off.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys

#: Environment variable that turns forked kernels off when "0".
SWITCH = "ROMLAB_KERNEL_FORK"

_HEADER = struct.Struct("!I")


def available() -> bool:
    """Whether kernels can be forked here (POSIX fork and Unix sockets, not turned off)."""
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds") \
        and os.environ.get(SWITCH, "1") != "0"


def fork_command(cmd: list[str], address: str) -> list[str]:
    """The stub's command for a kernel command ``[python, -m, ipykernel_launcher, ARGS…]``
    (other kernels' commands are returned unchanged)."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]:
        return [cmd[0], "-I", "-S", os.path.abspath(__file__), address, *cmd[3:]]
    return cmd


# ------------------------------------------------------------------------ messages

def _send(sock: socket.socket, obj, fds=()) -> None:
    data = json.dumps(obj).encode()
    payload = _HEADER.pack(len(data)) + data
    if fds:
        sent = socket.send_fds(sock, [payload], list(fds))
        payload = payload[sent:]
    sock.sendall(payload)


def _recv(sock: socket.socket, maxfds: int = 0):
    """One message and the descriptors sent with it; (None, []) at end of stream."""
    fds: list[int] = []
    buf = b""
    while len(buf) < _HEADER.size or len(buf) < _HEADER.size + _HEADER.unpack(buf[:_HEADER.size])[0]:
        if maxfds and not fds:
            chunk, got, _, _ = socket.recv_fds(sock, 1 << 16, maxfds)
            fds = list(got)
        else:
            chunk = sock.recv(1 << 16)
        if not chunk:
            return None, fds
        buf += chunk
    n = _HEADER.unpack(buf[:_HEADER.size])[0]
    return json.loads(buf[_HEADER.size:_HEADER.size + n]), fds


# ------------------------------------------------------------------------ the stub

def stub_main(argv: list[str]) -> int:
    """The process jupyter_client starts (see the module's docstring)."""
    address, args = argv[0], argv[1:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(address)
        _send(sock, {"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}, fds=(0, 1, 2))
        reply, _ = _recv(sock)
    except OSError:
        reply = None
    if not reply or "pid" not in reply:  # no zygote: an ordinary kernel
        sock.close()
        os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *args])
    pid = reply["pid"]

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, forward)
    done, _ = _recv(sock)
    return int(done.get("code", 1)) if done else 1


# ------------------------------------------------------------------------ the zygote

def _warm() -> None:
    """Import what the section notebooks import and render one small table (the first
    rendering imports great_tables' formatters). Not matplotlib: it reads its backend
    from the environment when imported, which a kernel sets as it starts (the notebooks
    that draw import it themselves)."""
    from ipykernel import ipkernel, kernelapp  # noqa: F401
    from IPython.display import Markdown  # noqa: F401

    from romlab.publication import html_table
    from romlab.report import results_render, support_render  # noqa: F401
    from romlab.run import period  # noqa: F401

    html_table.warm_up()


def _die_with_parent(sig: int) -> None:
    """Linux: this process gets `sig` when its parent dies (prctl PR_SET_PDEATHSIG)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(sig), 0, 0, 0)
        except (OSError, AttributeError):
            pass


def _become_kernel(msg: dict, fds: list[int]) -> None:
    """In the forked child: the stub's standard streams, directory and environment, a
    session of its own, then the kernel; never returns."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL if sig != signal.SIGINT else signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        os.setsid()
        _die_with_parent(signal.SIGKILL)
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        os.chdir(msg["cwd"])
        os.environ.clear()
        os.environ.update(msg["env"])
        sys.argv = ["ipykernel_launcher", *msg["args"]]
        from ipykernel.kernelapp import IPKernelApp

        # settings ipykernel reads from the environment when it is imported (in the zygote,
        # before this kernel's environment existed) are given as arguments
        args = list(msg["args"])
        if os.environ.get("JPY_PARENT_PID"):
            args.append(f"--IPKernelApp.parent_handle={int(os.environ['JPY_PARENT_PID'])}")
        IPKernelApp.launch_instance(argv=args)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 - the kernel's error goes to its standard error
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(address: str) -> int:
    """The zygote: listen on `address`, import (`_warm`), then fork a kernel for each stub
    that connects, tell it its kernel's pid and, when the kernel ends, its exit code.
    Ends on SIGTERM (its kernels killed) or when its parent dies."""
    _die_with_parent(signal.SIGTERM)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(address)
    server.listen(64)  # stubs wait in the backlog while the imports run
    _warm()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    os.set_blocking(wake_r, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    kernels: dict[int, socket.socket | None] = {}  # kernel pid → its stub's connection (None: stub gone)
    while not stopping:
        live = [c for c in kernels.values() if c is not None]
        try:
            ready, _, _ = select.select([server, wake_r, *live], [], [])
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
        _reap(kernels)
        for pid, conn in list(kernels.items()):
            if conn is not None and conn in ready and not conn.recv(1):  # the stub is gone: so is its kernel
                conn.close()
                kernels[pid] = None
                _kill(pid)
        if server in ready:
            _start_kernel(server, kernels, (wake_r, wake_w))
    for pid in list(kernels):
        _kill(pid)
    return 0


def _start_kernel(server: socket.socket, kernels: dict, private: tuple[int, int]) -> None:
    conn, _ = server.accept()
    try:
        msg, fds = _recv(conn, maxfds=3)
    except OSError:
        conn.close()
        return
    if msg is None:
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        server.close()
        for c in kernels.values():
            if c is not None:
                c.close()
        for fd in private:
            os.close(fd)
        _become_kernel(msg, fds)
    for fd in fds:
        os.close(fd)
    kernels[pid] = conn
    try:
        _send(conn, {"pid": pid})
    except OSError:
        _kill(pid)


def _reap(kernels: dict) -> None:
    """Collect ended kernels and tell each one's stub its exit code."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is not None and conn.fileno() >= 0:
            try:
                _send(conn, {"code": os.waitstatus_to_exitcode(status)})
            except OSError:
                pass
            conn.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "serve":
        raise SystemExit(serve(sys.argv[2]))
    raise SystemExit(stub_main(sys.argv[1:]))


class Zygote:
    """A zygote process for one run's kernels (`start`, `stop`); `address` is its socket."""

    def __init__(self, process, folder: str):
        self.process, self.folder = process, folder
        self.address = os.path.join(folder, "zygote")

    @classmethod
    def start(cls, wait_seconds: float = 5.0) -> "Zygote":
        """Start ``python -m romlab.run.kernel_fork serve ADDRESS`` and wait until it listens
        (it imports after that; stubs that connect meanwhile wait for it)."""
        import subprocess
        import tempfile
        import time

        folder = tempfile.mkdtemp(prefix="romlab-k-")  # short: a socket's path has at most 107 bytes
        z = cls(None, folder)
        z.process = subprocess.Popen([sys.executable, "-m", "romlab.run.kernel_fork", "serve", z.address],
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + wait_seconds
        while not os.path.exists(z.address) and z.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return z

    def stop(self) -> None:
        """End the zygote (and any kernel still alive) and remove its socket."""
        import shutil
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
