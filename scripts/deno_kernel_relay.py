"""Runs the Deno Jupyter kernel behind a small relay that reports a cell idle only once its
outputs have arrived.

Why: Deno's kernel (2.9.6, cli/tools/jupyter/server.rs) sends a cell's `idle` status from another
task than the ones that publish the cell's value (`execute_result`), its console output and its
displays, with a 5 ms grace. On a loaded machine some of those arrive after `idle`, and
`jupyter nbconvert --execute` (nbclient), which stops reading a cell at `idle`, drops them; a
late console line can even be filed under the next cell. This relay passes every message
through unchanged (same bytes, same signatures) except that it holds a cell's `idle` until IOPub
has been quiet for that cell for QUIET_S, or a message for another request arrives.

Usage (what `deno task kernel` writes into kernel.json; Jupyter fills in the braces):

    python3 {resource_dir}/deno_kernel_relay.py {connection_file} -- DENO_COMMAND...

DENO_COMMAND is the kernel's command with `{kernel_connection_file}` where the kernel's own connection
file goes (the relay writes one with fresh ports and the same key). Needs pyzmq, which every
Jupyter installation has. Interrupt and terminate signals are passed on to the kernel; the relay
exits with the kernel's exit status.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import zmq

QUIET_S = 0.25
# In the kernel's command, where its own connection file goes (Jupyter fills in only the names it
# knows, such as {connection_file}, which is the relay's).
KERNEL_CONNECTION_FILE = "{kernel_connection_file}"
PORTS = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
DELIMITER = b"<IDS|MSG>"


def free_ports(ip: str, count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((ip, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def parse(frames: list[bytes]) -> tuple[str, str, dict]:
    """(msg_type, parent msg_id, content) of a Jupyter wire message; empty when unreadable."""
    try:
        at = frames.index(DELIMITER)
        header = json.loads(frames[at + 2])
        parent = json.loads(frames[at + 3])
        content = json.loads(frames[at + 5])
        return header.get("msg_type", ""), parent.get("msg_id", ""), content
    except (ValueError, IndexError):
        return "", "", {}


class IdleHold:
    """Holds `idle` statuses until their request's outputs have gone quiet."""

    def __init__(self, publish):
        self.publish = publish
        self.held: list[tuple[str, float, list[bytes]]] = []  # (parent, deadline, frames)

    def message(self, frames: list[bytes]) -> None:
        kind, parent, content = parse(frames)
        now = time.monotonic()
        if kind == "status" and content.get("execution_state") == "idle" and parent:
            self.held.append((parent, now + QUIET_S, frames))
            return
        # An output of a held request pushes its idle back; anything else releases the older ones.
        self.held = [(p, now + QUIET_S if p == parent else d, f) for p, d, f in self.held]
        if kind == "status" or parent not in {p for p, _, _ in self.held}:
            self.flush()
        self.publish(frames)

    def due(self) -> None:
        now = time.monotonic()
        while self.held and self.held[0][1] <= now:
            self.publish(self.held.pop(0)[2])

    def flush(self) -> None:
        while self.held:
            self.publish(self.held.pop(0)[2])

    def timeout_ms(self) -> int | None:
        if not self.held:
            return None
        return max(0, int((self.held[0][1] - time.monotonic()) * 1000) + 1)


class Senders:
    """Puts the frontend's routing identity back on the kernel's replies.

    Deno's kernel answers with only the identity of the socket it heard from (the relay's), not
    the frontend's one behind it, so the relay files each request's sender by its msg_id and
    addresses the reply (or input request) to it: the parent's sender, else the last sender.
    """

    def __init__(self):
        self.by_request: dict[bytes, list[bytes]] = {}
        self.last: dict[object, list[bytes]] = {}

    def note(self, channel: object, frames: list[bytes]) -> None:
        if DELIMITER not in frames:
            return  # heartbeat: its envelope travels with it
        identities = frames[:frames.index(DELIMITER)]
        self.last[channel] = identities
        try:
            msg_id = json.loads(frames[frames.index(DELIMITER) + 2]).get("msg_id", "")
        except (ValueError, IndexError):
            return
        self.by_request[msg_id.encode()] = identities
        if len(self.by_request) > 10_000:
            self.by_request.pop(next(iter(self.by_request)))

    def address(self, channel: object, frames: list[bytes]) -> list[bytes]:
        if not frames or frames[0] != DELIMITER:
            return frames  # already addressed
        _kind, parent, _content = parse(frames)
        identities = self.by_request.get(parent.encode()) or self.last.get(channel, [])
        return [*identities, *frames]


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: deno_kernel_relay.py CONNECTION_FILE -- COMMAND...", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        front = json.load(handle)
    transport, ip = front.get("transport", "tcp"), front.get("ip", "127.0.0.1")
    back = dict(front, **dict(zip(PORTS, free_ports(ip, len(PORTS)))))
    folder = tempfile.mkdtemp(prefix="deno-kernel-")
    back_file = os.path.join(folder, "connection.json")
    with open(back_file, "w", encoding="utf-8") as handle:
        json.dump(back, handle)
    command = [arg.replace(KERNEL_CONNECTION_FILE, back_file) for arg in argv[2:]]
    kernel = subprocess.Popen(command)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda n, _f: kernel.send_signal(n))

    context = zmq.Context()
    url = lambda config, port: f"{transport}://{ip}:{config[port]}"  # noqa: E731
    pairs = []  # (frontend, backend): ROUTER <-> DEALER for the request channels
    # The kernel addresses stdin requests by the identity its shell request came from.
    relay_identity = os.urandom(8)
    for port in ("shell_port", "control_port", "stdin_port", "hb_port"):
        outer, inner = context.socket(zmq.ROUTER), context.socket(zmq.DEALER)
        if port in ("shell_port", "stdin_port"):
            inner.setsockopt(zmq.IDENTITY, relay_identity)
        outer.bind(url(front, port))
        inner.connect(url(back, port))
        pairs.append((outer, inner))
    iopub_out, iopub_in = context.socket(zmq.PUB), context.socket(zmq.SUB)
    iopub_out.bind(url(front, "iopub_port"))
    iopub_in.connect(url(back, "iopub_port"))
    iopub_in.setsockopt(zmq.SUBSCRIBE, b"")
    hold = IdleHold(lambda frames: iopub_out.send_multipart(frames))

    poller = zmq.Poller()
    fronts = {outer for outer, _ in pairs}
    senders = Senders()
    route = {}
    for outer, inner in pairs:
        poller.register(outer, zmq.POLLIN)
        poller.register(inner, zmq.POLLIN)
        route[outer], route[inner] = inner, outer
    poller.register(iopub_in, zmq.POLLIN)
    try:
        while kernel.poll() is None:
            wait = hold.timeout_ms()
            ready = dict(poller.poll(200 if wait is None else min(wait, 200)))
            for sock in ready:
                frames = sock.recv_multipart()
                if sock is iopub_in:
                    hold.message(frames)
                elif sock in fronts:
                    senders.note(sock, frames)
                    route[sock].send_multipart(frames)
                else:
                    route[sock].send_multipart(senders.address(route[sock], frames))
            hold.due()
        hold.flush()
    finally:
        if kernel.poll() is None:
            kernel.terminate()
        context.destroy(linger=200)
        os.unlink(back_file)
        os.rmdir(folder)
    return kernel.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
