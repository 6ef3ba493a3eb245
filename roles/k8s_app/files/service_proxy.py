#!/usr/bin/env python3
"""Loopback stand-in for a Kubernetes Service when pods run under `podman kube play`.

podman ignores Service objects, and two pods cannot publish the same hostPort, so this TCP proxy
listens on one loopback port and spreads connections round-robin over the pod endpoints listed in
a JSON file ({"endpoints": ["10.89.0.5:8080", ...]}). The k8s_app role rewrites that file after
the new pods answer their readiness path, the way endpoints follow readiness in Kubernetes; the
proxy rereads it when it changes, so new connections go to the new pods while old connections
finish. A connection refused by one endpoint is retried on the next (a pod that just stopped).

  service_proxy.py ensure --listen 127.0.0.1:8080 --endpoints FILE --state-dir DIR   # prints running|started
  service_proxy.py stop --state-dir DIR                                              # prints stopped|absent
Only the Python standard library: it runs with the Ansible controller's interpreter.
"""

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

CONNECT_TIMEOUT_SECONDS = 2.0
COPY_CHUNK_BYTES = 65536


class Endpoints:
    """The endpoint list, reloaded from its file whenever the file's mtime or size changes."""

    def __init__(self, path: Path):
        self.path = path
        self.stamp: tuple[int, int] | None = None
        self.items: list[tuple[str, int]] = []
        self.next_index = 0

    def current(self) -> list[tuple[str, int]]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            if stamp != self.stamp:
                raw = json.loads(self.path.read_text())["endpoints"]
                self.items = [(h, int(p)) for h, p in (e.rsplit(":", 1) for e in raw)]
                self.stamp = stamp
        except (OSError, ValueError, KeyError) as exc:
            # Keep the last good list: a half-written file must not drop traffic.
            print(f"endpoints file {self.path}: {exc}; keeping {len(self.items)} endpoints", file=sys.stderr)
        return self.items

    def rotation(self) -> list[tuple[str, int]]:
        items = self.current()
        if not items:
            return []
        start = self.next_index % len(items)
        self.next_index += 1
        return items[start:] + items[:start]


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(COPY_CHUNK_BYTES):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def handle(endpoints: Endpoints, client_r, client_w) -> None:
    upstream = None
    for host, port in endpoints.rotation():
        try:
            upstream = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_SECONDS)
            break
        except (OSError, TimeoutError):
            continue
    if upstream is None:
        client_w.close()
        return
    up_r, up_w = upstream
    await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))
    for w in (up_w, client_w):
        with contextlib.suppress(OSError):
            w.close()


async def serve(host: str, port: int, endpoints: Endpoints) -> None:
    server = await asyncio.start_server(lambda r, w: handle(endpoints, r, w), host, port, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def parse_listen(value: str) -> tuple[str, int]:
    host, port = value.rsplit(":", 1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to listen on {host}: the stand-in Service is loopback only")
    return host, int(port)


def read_state(state_dir: Path) -> dict | None:
    try:
        state = json.loads((state_dir / "service_proxy.json").read_text())
        cmdline = Path(f"/proc/{state['pid']}/cmdline").read_bytes()
    except (OSError, ValueError, KeyError):
        return None
    return state if Path(__file__).name.encode() in cmdline else None


def stop(state_dir: Path) -> str:
    state = read_state(state_dir)
    if state is None:
        return "absent"
    os.kill(state["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{state['pid']}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    (state_dir / "service_proxy.json").unlink(missing_ok=True)
    return "stopped"


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


def ensure(listen: str, endpoints_file: Path, state_dir: Path) -> str:
    host, port = parse_listen(listen)
    wanted = {"listen": listen, "endpoints": str(endpoints_file)}
    state = read_state(state_dir)
    if state is not None and all(state.get(k) == v for k, v in wanted.items()):
        return "running"
    if state is not None:
        stop(state_dir)
    if port_open(host, port):
        raise SystemExit(f"{listen} is already in use by another process: free it or change the port")
    state_dir.mkdir(parents=True, exist_ok=True)
    log = state_dir / "service_proxy.log"
    first_child = os.fork()
    if first_child == 0:  # new session, detached from Ansible's task process
        os.setsid()
        if os.fork() != 0:
            os._exit(0)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        (state_dir / "service_proxy.json").write_text(json.dumps({**wanted, "pid": os.getpid()}))
        asyncio.run(serve(host, port, Endpoints(endpoints_file)))
        os._exit(0)
    os.waitpid(first_child, 0)
    deadline = time.monotonic() + 10
    while not port_open(host, port):
        if time.monotonic() > deadline:
            raise SystemExit(f"the stand-in Service did not start listening on {listen}; see {log}")
        time.sleep(0.05)
    return "started"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_ensure = sub.add_parser("ensure", help="start the proxy unless it runs with these settings")
    p_ensure.add_argument("--listen", required=True, help="loopback HOST:PORT")
    p_ensure.add_argument("--endpoints", required=True, type=Path, help="JSON file of pod endpoints")
    p_ensure.add_argument("--state-dir", required=True, type=Path)
    p_stop = sub.add_parser("stop", help="stop the proxy started from this state directory")
    p_stop.add_argument("--state-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    if args.command == "ensure":
        print(ensure(args.listen, args.endpoints.resolve(), args.state_dir.resolve()))
    else:
        print(stop(args.state_dir.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
