"""A pre-warmed parent for sandboxed kernels: import once, fork a fresh kernel for every notebook.

Starting a kernel costs about 1 s of CPU, and `import torch` about 2.5 s more, for every submission. The
zygote pays both once per grading run. It imports ipykernel and the assignment's heavy libraries, then waits
on a unix socket. For each kernel, the sandbox launcher (sandbox.py) first builds the sandbox with bubblewrap:
a small holder process in fresh mount, pid, network, ipc and uts namespaces, with exactly the mounts a kernel
may see. Then it asks the zygote for a kernel inside it. The zygote forks a child that

  1. joins the holder's namespaces and chroots into the holder's root,
  2. forks again, so that the kernel is inside the holder's pid namespace,
  3. in that grandchild: closes every inherited file, drops to the unprivileged uid with no capabilities
     and no way to gain any, sets the resource limits, and only then starts ipykernel.

So student code runs with the view and rights of a kernel that bubblewrap exec'd itself, in a process that
shares no memory with any other student's kernel: each is its own fork of the untouched zygote.

Trust: the zygote runs as root, outside any sandbox, and only ever imports libraries. It never sees the
reference, the hidden cases or a submission. Its socket lies in a private folder no sandbox mounts, and it
serves only its own user. It is started as `python -I zygote.py SOCKET MODULE...`, so nothing from the
course is on its path; the grader kills it when done (it also exits if its stdin closes).
"""
from __future__ import annotations

import ast
import ctypes
import importlib
import json
import os
import resource
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback

# The order matters: after joining the mount namespace, /proc/<holder> is no longer the grader's /proc.
NAMESPACES = ("uts", "ipc", "net", "cgroup", "pid", "mnt")
RLIMITS = {"memory_bytes": resource.RLIMIT_AS, "cpu_seconds": resource.RLIMIT_CPU,
           "processes": resource.RLIMIT_NPROC, "file_bytes": resource.RLIMIT_FSIZE,
           "open_files": resource.RLIMIT_NOFILE}
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger")
# Slow to import, and safe to import before any student is known (matplotlib, say, writes caches at import).
PRELOADABLE = ("numpy", "torch")
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
_libc = ctypes.CDLL(None, use_errno=True)


class KernelZygote:
    """Grader side: start a zygote that has imported `modules`; stop it on exit. `socket` is its address.

        with KernelZygote(["numpy", "torch"], environment) as zygote:
            ... kernels launched with sandbox.write_kernelspec(..., zygote=zygote.socket) ...
    """

    def __init__(self, modules, environment, wait=True):
        """wait=False: return from `with` at once, so its imports overlap the caller's; call wait() before use."""
        self.modules, self.environment, self._wait = list(modules), dict(environment), wait
        self._ready = False

    def __enter__(self):
        self.folder = tempfile.mkdtemp(prefix="gatebygate-zygote-")  # 0700, and a short path for AF_UNIX
        self.socket = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-I", os.path.abspath(__file__), self.socket, *KERNEL_MODULES, *self.modules],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd="/",
            # ipykernel's debugger would warn, on the grader's terminal, that it may miss breakpoints.
            env={**self.environment, "PYDEVD_DISABLE_FILE_VALIDATION": "1"})
        if self._wait:
            self.wait()
        return self

    def wait(self) -> None:
        """Block until the zygote serves kernels; RuntimeError if it could not import what it was asked to."""
        if not self._ready and self.process.stdout.readline() != b"ready\n":
            self.__exit__()
            raise RuntimeError("the kernel zygote did not start (it could not import "
                               f"{', '.join(self.modules) or 'ipykernel'})")
        self._ready = True

    def __exit__(self, *exc_info):
        # It holds nothing worth a clean exit, and tearing down torch takes most of a second: kill it. The
        # kernels it forked live in sandboxes of their own and are not affected.
        self.process.kill()
        self.process.wait()
        self.process.stdin.close()
        self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def is_alive(socket_path: str) -> bool:
    """Whether the zygote at `socket_path` still answers (one that was killed cannot start kernels)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(socket_path)
        except OSError:
            return False
    return True


def preloadable_imports(notebook: dict) -> list[str]:
    """The PRELOADABLE modules a notebook's code cells import."""
    imported = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics, or a student's typo
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    return [module for module in PRELOADABLE if module in imported]


def serve(socket_path: str, modules: list[str]) -> None:
    for module in modules:
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the forked children reap themselves
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    os.chmod(socket_path, 0o600)
    server.listen(64)
    own_namespaces = {name: os.stat(f"/proc/self/ns/{name}").st_ino for name in NAMESPACES}
    print("ready", flush=True)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    while True:
        for key, _ in selector.select():
            if key.fileobj is sys.stdin:
                if not os.read(sys.stdin.fileno(), 1024):
                    return  # the grader is done, or gone
                continue
            connection, _ = server.accept()
            _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid == os.getuid() and os.fork() == 0:
                try:
                    server.close()
                    _join_and_start_kernel(connection, own_namespaces)
                except BaseException as error:  # the launcher writes it to the kernel's log
                    connection.sendall(f"error {type(error).__name__}: {error}\n".encode())
                finally:
                    os._exit(1)
            connection.close()


def _join_and_start_kernel(connection, own_namespaces):
    """In the forked child: enter the holder's sandbox, fork the kernel into it, report how it exited."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    line = connection.makefile().readline()
    if not line:
        os._exit(0)  # someone only checked that we are alive
    request = json.loads(line)
    holder = request["holder_pid"]
    namespaces = [os.open(f"/proc/{holder}/ns/{name}", os.O_RDONLY) for name in NAMESPACES]
    root = os.open(f"/proc/{holder}/root", os.O_RDONLY)
    for name, fd in zip(NAMESPACES, namespaces):
        # A holder that died and whose pid was reused could lead us into the host's namespaces: refuse.
        if name != "cgroup" and os.fstat(fd).st_ino == own_namespaces[name]:
            raise RuntimeError(f"process {holder} is not a sandbox: it shares the {name} namespace")
    # The log is the grader's, outside the sandbox: opened before entering, the kernel gets only the fd.
    request["log_fd"] = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    for fd in namespaces:
        _check(_libc.setns(fd, 0))
        os.close(fd)
    os.fchdir(root)
    os.chroot(".")
    os.close(root)
    kernel = os.fork()
    if kernel == 0:
        try:
            _become_kernel(request)
        except BaseException:
            traceback.print_exc()  # into the kernel's log, once _become_kernel has opened it
        finally:
            os._exit(1)
    _, status = os.waitpid(kernel, 0)
    connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
    os._exit(0)


def _become_kernel(request):
    os.setsid()
    os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    os.dup2(request["log_fd"], 1)
    os.dup2(request["log_fd"], 2)
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])  # the zygote's sockets and pipes
    os.chdir(request["workdir"])
    os.environ.clear()
    os.environ.update(request["env"])
    _drop_privileges(request["uid"])
    for name, limit in RLIMITS.items():
        value = request["limits"][name]
        resource.setrlimit(limit, (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.path[:0] = [request["workdir"], *request["python_path"]]  # as `python -m ipykernel_launcher` there
    sys.dont_write_bytecode = True
    sys.argv = ["ipykernel_launcher", "-f", request["connection_file"], *request.get("arguments", [])]
    # Already loaded by serve() (KERNEL_MODULES): this only names it. At the top of the file it would cost the
    # grader, which imports this module for KernelZygote, about 0.3 s of CPU (a fresh `python -c "import
    # ipykernel.kernelapp"`), and the kernel's imports must happen in the zygote, after its own start-up.
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    os._exit(0)


def _drop_privileges(uid):
    """Become `uid`, with no capabilities, no supplementary groups and no way to gain privileges again."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last_capability = int(handle.read())
    for capability in range(last_capability + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0))
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)  # from root to another uid: the permitted and effective sets are emptied
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    with open("/proc/self/status") as handle:
        status = dict(line.split(":\t", 1) for line in handle.read().splitlines() if ":\t" in line)
    kept = [name for name in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb") if int(status[name], 16)]
    if kept or status["NoNewPrivs"].strip() != "1":
        raise RuntimeError(f"could not drop privileges: {kept or 'NoNewPrivs'}")


def _check(result):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
