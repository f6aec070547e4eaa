#!/usr/bin/env python3
# The benchmark's second floor, one that shares nothing with Node: Python 3's standard library
# only. Follows Docker's start and die events over the unix socket, inspects each started
# container and registers each exposed port under the container's address with one PUT to the
# agent; deregisters on die. No checks, no ownership, no retries. At start it registers every
# running container, FLOOR_CONCURRENCY (8) at a time, and logs that pass as the registrar does.
# Logs one JSON line per write (event, containerId, time in ms), as bench/floor.mjs does.
# FLOOR_TRACE=1 adds one line per step of a start (event read, inspect answered, PUT answered).
# Usage: python3 bench/floor.py HOST_ID   (DOCKER_HOST unix socket, CONSUL_HTTP_ADDR host:port)
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

HOST_ID = sys.argv[1] if len(sys.argv) > 1 else "floor"
SOCKET = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock").removeprefix("unix://")
CONSUL = os.environ.get("CONSUL_HTTP_ADDR", "127.0.0.1:8500").removeprefix("http://")
TRACE = os.environ.get("FLOOR_TRACE") == "1"
WORKERS = int(os.environ.get("FLOOR_CONCURRENCY", "8"))


class UnixConnection(http.client.HTTPConnection):
    """HTTP over Docker's unix socket."""

    def __init__(self):
        super().__init__("docker")

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCKET)


local = threading.local()  # one keep-alive connection to each daemon per worker thread
write_lock = threading.Lock()
owned = {}  # container ID -> service IDs


def log(**fields):
    line = json.dumps({"level": 30, "time": time.time() * 1000, **fields})
    with write_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def request(kind, method, path, body=None):
    """One request on this thread's connection, reopened once if the daemon closed it."""
    for attempt in (1, 2):
        conn = getattr(local, kind, None)
        if conn is None:
            conn = UnixConnection() if kind == "docker" else http.client.HTTPConnection(CONSUL)
            setattr(local, kind, conn)
        try:
            conn.request(method, path, body=body)
            res = conn.getresponse()
            data = res.read()
            return res.status, data
        except (http.client.HTTPException, OSError):
            conn.close()
            setattr(local, kind, None)
            if attempt == 2:
                raise


def started(cid, read_at=None):
    status, data = request("docker", "GET", f"/containers/{cid}/json")
    if status != 200:
        return
    if TRACE:
        log(event="trace", step="inspected", containerId=cid, sinceEventMs=ms_since(read_at))
    info = json.loads(data)
    name = info["Name"][1:]
    networks = list((info["NetworkSettings"].get("Networks") or {}).values())
    address = networks[0].get("IPAddress", "") if networks else ""
    labels = info["Config"].get("Labels") or {}
    ids = []
    for key in info["Config"].get("ExposedPorts") or {}:
        port = int(key.split("/")[0])
        service_id = f"{HOST_ID}:{name}:{port}"
        body = {"ID": service_id, "Name": labels.get("SERVICE_NAME", name), "Address": address, "Port": port}
        request("consul", "PUT", "/v1/agent/service/register", json.dumps(body))
        ids.append(service_id)
        if TRACE:
            log(event="trace", step="put-answered", containerId=cid, sinceEventMs=ms_since(read_at))
        log(event="registered", containerId=cid, serviceId=service_id)
    owned[cid] = ids


def died(cid):
    for service_id in owned.pop(cid, []):
        request("consul", "PUT", f"/v1/agent/service/deregister/{service_id}")
        log(event="deregistered", containerId=cid, serviceId=service_id)


def ms_since(t):
    return None if t is None else round((time.perf_counter() - t) * 1000, 2)


def guarded(work, *args):
    try:
        work(*args)
    except Exception as err:  # a floor logs and goes on, as the registrar would
        log(level=50, msg=repr(err))


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    events = UnixConnection()
    filters = json.dumps({"type": ["container"], "event": ["start", "die"]})
    events.request("GET", "/events?filters=" + urllib.parse.quote(filters))
    stream = events.getresponse()
    began = time.perf_counter()
    status, data = request("docker", "GET", "/containers/json")
    running = [c["Id"] for c in json.loads(data)]
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    list(pool.map(lambda cid: guarded(started, cid), running))
    log(event="full-pass", containers=len(running), failed=0, ms=round((time.perf_counter() - began) * 1000))
    for line in stream:
        read_at = time.perf_counter()
        event = json.loads(line)
        cid = event["Actor"]["ID"]
        if event["Action"] == "start":
            if TRACE:
                log(event="trace", step="event-read", containerId=cid, sinceEventMs=0)
            pool.submit(guarded, started, cid, read_at)
        else:
            pool.submit(guarded, died, cid)


if __name__ == "__main__":
    main()
