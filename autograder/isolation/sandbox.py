"""A Jupyter kernel that runs student code in a sandbox built by bubblewrap, as an unprivileged user.

What the kernel sees and may do:
  * no network (its own network namespace, loopback down; the kernel talks to nbgrader over ipc sockets);
  * a read-only system: only /usr, /etc, /bin, /lib*, the Python installation and the venv are mounted;
  * three writable places, each a tmpfs of fixed size that vanishes with the sandbox, so nothing the kernel
    writes reaches the grader's disk or outlives its grading:
      - /tmp (Limits.tmp_bytes),
      - its working folder, a copy of the student's files (Limits.workdir_bytes),
      - the folder of its ipc sockets (1 MiB), which the grader reaches through /proc/<pid>/root;
    tmpfs pages are memory the address-space limit does not count, hence the sizes;
  * nothing else of the course: the gradebook, solutions/, the reference package and other students'
    folders are not mounted at all;
  * an unprivileged user (nobody, or a uid of its own per concurrent kernel) with no capabilities and no
    way to gain privileges;
  * limits on address space, CPU seconds, processes, file size and open files.

Hidden tests inside the kernel import a small shim (autograder/isolation/kernel_shim) instead of the autograder
package; see autograder/judge/verdicts.py for how their results are judged outside the kernel.

`write_kernelspec` creates a kernelspec whose argv is this module run as a script. The script has bubblewrap
build the sandbox around a holder process, then asks a running zygote (zygote.py), which has ipykernel and
the heavy libraries already imported, to fork the kernel into that sandbox and drop its privileges there.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from types import ModuleType

KERNEL_NAME = "gatebygate-sandbox"
NOBODY = 65534
UID_BASE = 200000  # + a grading worker's pid: a uid no account uses, unique among running workers
SHIM_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_shim")
SYSTEM_DIRS = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"]
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; `make test` does this as root)"


MiB = 1024 ** 2  # the one definition (safe_files.py and the grader import it)
SOCKETS_BYTES = 1 * MiB  # five ipc sockets and a copy of the connection file
LOG_TAIL_BYTES = 64 * 1024  # of what the kernel wrote outside cells, what the grader keeps for an instructor


@dataclass
class Limits:
    memory_bytes: int = 3 * 1024 ** 3   # address space; torch alone maps ~1 GB
    cpu_seconds: int = 600              # whole-notebook CPU budget: a busy loop cannot outlive it
    processes: int = 256                # threads count too (torch and BLAS start a few)
    file_bytes: int = 64 * MiB
    open_files: int = 256
    # The two writable tmpfs. No assignment writes files; matplotlib's cache and a saved figure need a few MiB.
    tmp_bytes: int = 256 * MiB
    workdir_bytes: int = 256 * MiB


def missing_tools() -> list[str]:
    """Names of the sandbox's tools that are not installed (empty when the sandbox can run)."""
    return [tool for tool in ("bwrap",) if shutil.which(tool) is None]


def kernel_shim() -> ModuleType:
    """The kernel shim's hidden module, loaded from its file (inside the sandbox it is `autograder.hidden`): its
    `encode` is the wire encoding, its `observe_cases` what a hidden test cell emits."""
    path = os.path.join(SHIM_DIR, "autograder", "hidden", "__init__.py")
    spec = importlib.util.spec_from_file_location("gatebygate_kernel_shim", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_kernelspec(kernels_dir: str, zygote: str | None, readonly_paths: Sequence[str] = (),
                     limits: Limits | None = None, env: dict[str, str] | None = None, uid: int = NOBODY) -> str:
    """Write kernels_dir/<KERNEL_NAME>/kernel.json; put kernels_dir's parent on JUPYTER_PATH to use it.

    zygote: the socket of a running zygote.KernelZygote, which forks the kernels.
    readonly_paths: extra files or folders the kernel may read (e.g. the hidden cases of this submission).
    env: extra environment variables for the code in the sandbox.
    uid: the unprivileged user the kernel runs as. The process limit counts every process of a user, so
         kernels that run at the same time should each have their own, or one could starve the others.
    """
    spec_dir = os.path.join(kernels_dir, KERNEL_NAME)
    os.makedirs(spec_dir, exist_ok=True)
    settings = {"limits": asdict(limits or Limits()), "readonly": [os.path.abspath(p) for p in readonly_paths],
                "env": dict(env or {}), "uid": uid, "zygote": zygote}
    spec = {
        "argv": [sys.executable, os.path.abspath(__file__), json.dumps(settings), "{connection_file}"],
        "display_name": "Python 3 (grading sandbox)",
        "language": "python",
        # nbgrader interrupts a cell that runs too long; a signal cannot cross into the pid namespace.
        "interrupt_mode": "message",
    }
    with open(os.path.join(spec_dir, "kernel.json"), "w") as handle:
        json.dump(spec, handle, indent=1)
    return spec_dir


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables of code in the sandbox (and of the zygote, which imports in it)."""
    venv = os.path.realpath(sys.prefix)
    return {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "PYTHONPATH": SHIM_DIR, "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
            **(extra or {})}


def holder_command(settings: dict, workdir: str, socket_dir: str, info_fd: int,
                   workdir_files: Sequence[str] = ()) -> list[str]:
    """bubblewrap, building the sandbox around a process that only waits; the zygote puts the kernel in it.

    bubblewrap writes the pid of the sandbox's first process to `info_fd`, and the holder prints "ready" once
    the sandbox is complete. Killing bubblewrap kills everything in the sandbox.
    workdir_files: (path relative to workdir, open file descriptor or None for a folder), copied into the
    working folder's tmpfs.
    """
    limits = settings["limits"]
    python_prefix = os.path.realpath(sys.base_prefix)
    venv = os.path.realpath(sys.prefix)
    # Every namespace but the user one: inside a user namespace, the kernel's uid would not be mapped.
    command = ["bwrap", "--die-with-parent", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--new-session", "--clearenv", "--cap-drop", "ALL", "--info-fd", str(info_fd),
               "--dev", "/dev", "--proc", "/proc",
               "--perms", "1777", "--size", str(limits["tmp_bytes"]), "--tmpfs", "/tmp"]
    mounted = set()

    def parents(path):
        # bwrap would create missing parents as 0700 in its tmpfs, which the kernel's user cannot traverse.
        for parent in reversed([p for p in _ancestors(path) if p not in mounted and p != "/"]):
            command.extend(["--perms", "0755", "--dir", parent])
            mounted.add(parent)

    def bind(path, writable=False):
        if not os.path.exists(path) or path in mounted:
            return
        parents(path)
        command.extend(["--bind" if writable else "--ro-bind", path, path])
        mounted.add(path)

    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            command.extend(["--symlink", os.readlink(path), path])
        else:
            bind(path)
    for path in [python_prefix, venv, SHIM_DIR, *settings["readonly"]]:
        bind(path)
    for path, size in ((socket_dir, SOCKETS_BYTES), (workdir, limits["workdir_bytes"])):
        parents(path)
        command.extend(["--perms", "1777", "--size", str(size), "--tmpfs", path])
        mounted.add(path)
    for relative, fd in workdir_files:
        target = os.path.join(workdir, relative)
        command.extend(["--perms", "0777", "--dir", target] if fd is None
                       else ["--perms", "0666", "--file", str(fd), target])
    # The holder says when bubblewrap has finished the mounts: only then is its root the sandbox's.
    command.extend(["--chdir", "/", "--", "sh", "-c", "echo ready && exec sleep infinity"])
    return command


def _ancestors(path):
    path = os.path.dirname(os.path.abspath(path))
    result = []
    while path != "/":
        result.append(path)
        path = os.path.dirname(path)
    return result


def _launch(settings_json, connection_file, *kernel_arguments):
    """Kernel launcher (runs as the grader): build the sandbox, have the zygote fork the kernel into it, wait.

    The grader must use ipc transport, with KernelManager.ip in a folder that does not exist yet: the
    sockets live in a tmpfs inside the sandbox, and that folder becomes a link to it (through /proc/<pid>/root
    of the sandbox's first process), so the kernel can fill nothing on the grader's disk. The kernel's working
    folder, the current directory, is copied into a tmpfs of its own; the original is never written.
    kernel_arguments: what the grader adds to the kernel's command line (nbgrader: an in-memory history).
    Exits when the kernel does; killing this process (as jupyter_client does) kills the whole sandbox.
    """
    settings = json.loads(settings_json)
    with open(connection_file) as handle:
        connection = json.load(handle)
    if connection.get("transport") != "ipc":
        sys.exit("the grading sandbox has no network: start it with KernelManager.transport = 'ipc'")
    socket_dir = os.path.dirname(connection["ip"])
    workdir = os.getcwd()
    # The sandbox's chatter (and anything student code writes to fds 1 and 2 outside a cell) goes to a log
    # beside the sockets' link, where an instructor can read it, instead of into the grader's terminal.
    log = os.path.join(os.path.dirname(socket_dir), "kernel.log")
    log_fd = os.open(log, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    files = _workdir_files(workdir)
    info_read, info_write = os.pipe()
    fds = [info_write, *(fd for _, fd in files if fd is not None)]
    holder = subprocess.Popen(holder_command(settings, workdir, socket_dir, info_write, files), pass_fds=fds,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    for fd in fds:
        os.close(fd)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: (holder.kill(), os._exit(1)))
    with os.fdopen(info_read) as info:
        holder_pid = json.load(info)["child-pid"]
    if holder.stdout.readline() != b"ready\n":
        holder.kill()
        sys.exit("bubblewrap could not build the sandbox (see the lines above)")
    inside = f"/proc/{holder_pid}/root"
    readable_copy = os.path.join(socket_dir, "connection.json")
    shutil.copyfile(connection_file, inside + readable_copy)  # the original is 0600, private to the grader
    os.chmod(inside + readable_copy, 0o644)
    _link(inside + socket_dir, socket_dir)
    request = {"holder_pid": holder_pid, "connection_file": readable_copy, "workdir": workdir, "log": log,
               "env": environment(settings["env"]), "python_path": [SHIM_DIR], "uid": settings["uid"],
               "limits": settings["limits"], "arguments": list(kernel_arguments)}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as zygote:
        zygote.connect(settings["zygote"])
        zygote.sendall(json.dumps(request).encode() + b"\n")
        reply = zygote.makefile().readline().strip()
    holder.kill()
    holder.wait()
    _keep_tail(log_fd, LOG_TAIL_BYTES)
    if not reply.lstrip("-").isdigit():
        sys.exit(f"the kernel did not start: {reply or 'the zygote gave no answer'}")
    code = int(reply)
    sys.exit(code if code >= 0 else 128 - code)  # killed by signal N: 128 + N, as a shell reports it


def _workdir_files(workdir):
    """(relative path, read-only fd or None for a folder) of the working folder's folders and regular files.

    The folder is the grader's own copy of a submission (made by safe_files.copy_tree); links and special
    files are skipped all the same, and nothing is followed.
    """
    found = []
    for directory, folders, names in os.walk(workdir):
        folders[:] = sorted(f for f in folders if not os.path.islink(os.path.join(directory, f)))
        found.extend((os.path.relpath(os.path.join(directory, f), workdir), None) for f in folders)
        for name in sorted(names):
            path = os.path.join(directory, name)
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            if stat.S_ISREG(os.fstat(fd).st_mode):
                found.append((os.path.relpath(path, workdir), fd))
            else:
                os.close(fd)
    return found


def _link(target, path):
    """Make `path` a symbolic link to `target`, replacing whatever an earlier kernel left there."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    temporary = f"{path}.{os.getpid()}.link"
    os.symlink(target, temporary)
    os.replace(temporary, path)


def _keep_tail(fd, size):
    """Cut the log open at `fd` to its last `size` bytes."""
    length = os.fstat(fd).st_size
    if length > size:
        tail = os.pread(fd, size, length - size)
        os.ftruncate(fd, 0)
        os.write(fd, tail)  # opened O_APPEND: lands at the start of the emptied file


if __name__ == "__main__":
    _launch(*sys.argv[1:])
