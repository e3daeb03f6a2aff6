"""A real IPython kernel for the tracer's tests: started with jupyter_client,
the tracer installed with the very snippet the frontend sends (src/kernel/tracer.ts),
its comm messages read from IOPub."""

import json
import os
import queue
import re
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL_DIR = ROOT / "src" / "kernel"
SOURCE = (KERNEL_DIR / "tracer.py").read_text()


def read_protocol():
    """The constants of src/kernel/protocol.ts (one JSON literal per line)."""
    text = (KERNEL_DIR / "protocol.ts").read_text()
    values = {k: json.loads(v) for k, v in re.findall(r"^export const (\w+) = (.+);$", text, re.M)}
    return {
        "protocol": values["TRACER_PROTOCOL"],
        "target": values["TRACER_TARGET"],
        "module": values["TRACER_MODULE"],
        "installPrefix": values["INSTALL_PREFIX"],
        "installSuffix": values["INSTALL_SUFFIX"],
    }


PROTOCOL = read_protocol()


def install_snippet():
    """The install code exactly as src/kernel/tracer.ts builds it (JSON.stringify of the source)."""
    return PROTOCOL["installPrefix"] + json.dumps(SOURCE) + PROTOCOL["installSuffix"]


class RealKernel:
    """An ipykernel started with jupyter_client, the tracer installed as the frontend does."""

    def __init__(self, cwd):
        from jupyter_client.manager import KernelManager

        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env={**os.environ, "IPYTHONDIR": str(cwd / ".ipython")})
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError:
            try:
                self.close()
            except Exception:
                pass  # the kernel is already gone
            raise

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def reply_to(self, msg_id, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                reply = self.kc.get_shell_msg(timeout=1)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply
        raise AssertionError("no reply to %s" % msg_id)

    def drain_until_idle(self, msg_id, deadline=30):
        """IOPub messages with parent msg_id, up to its idle status."""
        out = []
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            try:
                msg = self.kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            out.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
        raise AssertionError("no idle status for %s" % msg_id)

    def execute(self, code, silent=False, store_history=True, cell_id=None, ok=True):
        """(reply, IOPub messages) of one execute request."""
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": False,
        }
        msg = self.kc.session.msg("execute_request", content)
        if cell_id is not None:
            msg["metadata"]["cellId"] = cell_id  # what JupyterLab sends
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        messages = self.drain_until_idle(msg_id)
        reply = self.reply_to(msg_id)
        if ok:
            assert reply["content"]["status"] == "ok", reply["content"]
        return reply, messages

    def install(self):
        self.execute(install_snippet(), silent=True, store_history=False)

    def _open(self):
        """Open a tracer comm as a page does: (comm id, the messages it got back)."""
        comm_id = uuid.uuid4().hex
        msg = self.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": PROTOCOL["target"], "data": {}})
        self.kc.shell_channel.send(msg)
        return comm_id, self.comm_data(self.drain_until_idle(msg["header"]["msg_id"]), comm_id)

    def open_comm(self):
        comm_id, data = self._open()
        assert data and data[0]["type"] == "hello", data
        return comm_id, data[0]

    @staticmethod
    def comm_data(messages, comm_id):
        return [m["content"]["data"] for m in messages if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id]

    def ask(self, comm_id, data):
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        answers = self.comm_data(self.drain_until_idle(msg["header"]["msg_id"]), comm_id)
        assert len(answers) == 1, answers
        return answers[0]

    def run_traced(self, comm_id, code, **kwargs):
        """Run code as a stored execution; the one report it produced."""
        reply, messages = self.execute(code, **kwargs)
        data = [d for d in self.comm_data(messages, comm_id) if d["type"] == "run"]
        assert len(data) == 1, data
        assert data[0]["execution_count"] == reply["content"]["execution_count"]
        return data[0]

    def value(self, expression):
        """repr of an expression evaluated silently in the kernel."""
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"v": expression})
        self.drain_until_idle(msg_id)
        reply = self.reply_to(msg_id)
        result = reply["content"]["user_expressions"]["v"]
        assert result["status"] == "ok", result
        return result["data"]["text/plain"]

    def open_environment(self):
        """Open a tracer comm: hello, then the kernel session's environment."""
        comm_id, data = self._open()
        assert [d["type"] for d in data] == ["hello", "environment"], data
        return comm_id, data[1]

    def run_environment(self, comm_id, code):
        """Run code as a stored execution: the environment messages it caused (after its run report)."""
        _, messages = self.execute(code)
        data = self.comm_data(messages, comm_id)
        assert data and data[0]["type"] == "run", data
        return [d for d in data if d["type"] == "environment"]


def start_kernel(cwd):
    """A RealKernel in cwd with the tracer installed."""
    # jupyter_client picks free ports, then binds them later: on a busy shared
    # machine another process can take one in between ("Address already in
    # use", then "Kernel died before replying to kernel_info"). Start again.
    for attempt in range(3):
        try:
            k = RealKernel(cwd)
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        k.install()
    except BaseException:
        k.close()
        raise
    return k
