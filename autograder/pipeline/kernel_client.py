"""The client, manager and message unpacker nbgrader's Execute uses to talk to a kernel.

The client and manager are jupyter_client's, without idle waits:

jupyter_client's wait_for_ready, once the kernel has answered kernel_info and IOPub is connected, drains IOPub
until nothing arrives for 0.2 s. nbclient matches every IOPub message to its request by the parent message id,
so stray startup messages cannot confuse it, and that drain is idle time: 0.2 s of the 1.5 s a grading worker
spent per student. Everything else is jupyter_client 8.10's handshake (pinned in requirements.txt).

The unpacker (bounded_unpacker) reads what the student's kernel sends, which may be nested deeper than the
grader can store.
"""
from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import json_unpacker
from jupyter_core.utils import ensure_async


class PromptKernelClient(AsyncKernelClient):
    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it delivers the kernel's status for that request
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(reply)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class PromptKernelManager(AsyncKernelManager):
    """After killing a kernel, jupyter_client polls for its exit every 0.1 s: a kill takes milliseconds, and the
    first poll almost always finds the process still there, so each student paid about 0.08 s of idle wait."""

    async def _async_wait(self, pollinterval=0.1):
        await super()._async_wait(pollinterval=0.005)


MAX_MESSAGE_DEPTH = 100


def bounded_unpacker(data: bytes) -> dict:
    """The grader's Session unpacker: JSON as jupyter_client reads it, but a message part nested deeper than
    MAX_MESSAGE_DEPTH (which nbformat's recursive NotebookNode conversion would crash on, far below what JSON
    allows) is replaced by a text output saying so. Only the student's kernel sends such a thing."""
    try:
        value = json_unpacker(data)
    except (RecursionError, ValueError):
        return _cut()
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_MESSAGE_DEPTH:
            return _cut()
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


def _cut():
    text = f"(output removed: nested more than {MAX_MESSAGE_DEPTH} levels deep)"
    return {"data": {"text/plain": text}, "metadata": {}, "transient": {}, "execution_count": None,
            "name": "stdout", "text": text}
