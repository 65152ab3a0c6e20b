"""`worker`: a persistent worker (docs/python-workers.md). Started by the
agent's python runner (agent/fo_runner_python.c) with two FIFOs named by
FANOUT_WORKER_IN (requests) and FANOUT_WORKER_OUT (replies); each message
is one msgpack map, framed by its length (4 bytes, big-endian). It
says hello, then runs one step per request, as
`python3 fanout_nose ARGV...` would in a process of its own, in this one
process: modules it imported and contexts it set up stay for the next
step. End of input: it exits.

    -> {"v": 1, "type": "hello", "pid": PID, "python": "3.11.2"}
    <- {"v": 1, "type": "step", "argv": [...], "cwd": DIR or "",
        "env": {NAME: VALUE}, "token": TOKEN, "output_cap": BYTES}
    -> {"v": 1, "type": "done", "status": N, "out": BYTES, "err": BYTES,
        "rss_kb": N, "kept": N}
    <- {"v": 1, "type": "end"}      tear down the split contexts kept
                                    set up, then exit (1 when a teardown
                                    failed, its traceback on stderr)

What the step's code writes to file descriptors 1 and 2 itself (a
subprocess, a C extension) reaches the agent through the worker's own
stdout and stderr, which the runner gives to the running step.
"""
import os
import sys

import msgpack

from fanout_nose import execute

VERSION = 1
MAX_REQUEST = 64 * 1024 * 1024


def rss_kb():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def run(state, req):
    env = req.get("env") or {}
    saved = {k: os.environ.get(k) for k in env}
    saved["FANOUT_STEP_TOKEN"] = os.environ.get("FANOUT_STEP_TOKEN")
    cwd = os.getcwd()
    try:
        # What the step starts carries its token (fo_runner.h): the sweep
        # of the step's token finds what it leaves behind.
        os.environ.update({str(k): str(v) for k, v in env.items()})
        if req.get("token"):
            os.environ["FANOUT_STEP_TOKEN"] = req["token"]
        if req.get("cwd"):
            os.chdir(req["cwd"])
        return execute.run_step(state, [str(a) for a in req.get("argv") or []])
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        try:
            os.chdir(cwd)
        except OSError:
            pass


def main(argv):
    try:
        rfd = os.open(os.environ["FANOUT_WORKER_IN"], os.O_RDONLY)
        wfd = os.open(os.environ["FANOUT_WORKER_OUT"], os.O_WRONLY)
    except (KeyError, OSError) as e:
        sys.stderr.write("fanout_nose worker: %s\n" % e)
        return 2

    def send(msg):
        body = msgpack.packb(msg, use_bin_type=True)
        data = len(body).to_bytes(4, "big") + body
        while data:
            n = os.write(wfd, data)
            data = data[n:]

    send({"v": VERSION, "type": "hello", "pid": os.getpid(),
          "python": "%d.%d.%d" % sys.version_info[:3]})
    state = execute.State(in_worker=True)
    buf = b""
    while True:
        chunk = os.read(rfd, 65536)
        if not chunk:
            return 0
        buf += chunk
        while len(buf) >= 4:
            size = int.from_bytes(buf[:4], "big")
            if size > MAX_REQUEST:
                sys.stderr.write("fanout_nose worker: a request of %d bytes\n" % size)
                return 2
            if len(buf) < 4 + size:
                break
            req = msgpack.unpackb(buf[4:4 + size], raw=False)
            buf = buf[4 + size:]
            if isinstance(req, dict) and req.get("v") == VERSION and req.get("type") == "end":
                # The agent retires this worker (a restart, its session's
                # end): the split contexts kept set up are torn down first.
                failed = execute.release_kept(state)
                sys.stderr.write(failed)
                sys.stderr.flush()
                return 1 if failed else 0
            if not isinstance(req, dict) or req.get("v") != VERSION or req.get("type") != "step":
                sys.stderr.write("fanout_nose worker: bad request\n")
                return 2
            state.output_cap = int(req.get("output_cap") or 0) or None
            sys.stdout.flush()
            status, out, err = run(state, req)
            sys.stdout.flush()
            sys.stderr.flush()
            send({"v": VERSION, "type": "done", "status": status, "out": out, "err": err,
                  "rss_kb": rss_kb(), "kept": len(state.kept)})
