"""`worker`: a persistent worker (docs/python-workers.md). Started by the
agent's python runner (agent/fo_runner_python.c) with two FIFOs named by
FANOUT_WORKER_IN (requests) and FANOUT_WORKER_OUT (replies); each message
is one msgpack map, framed by its length (4 bytes, big-endian). It
says hello, then runs the steps of each request in order, each as
`python3 fanout_nose ARGV...` would in a process of its own, in this one
process, and answers each as soon as it has ended: modules it imported and
contexts it set up stay for the next step. End of input: it exits.

    -> {"v": 3, "type": "hello", "pid": PID, "python": "3.11.2"}
    <- {"v": 3, "type": "steps", "steps": [{"argv": [...], "cwd": DIR or "",
        "env": {NAME: VALUE}, "token": TOKEN, "output_cap": BYTES}, ...],
        "chained": true}            "chained" (optional): the next lease's
                                    steps, sent while the request before
                                    still runs: run only if that request
                                    did not stop; else not run, no answer
    -> {"v": 3, "type": "done", "status": N, "out": BYTES, "err": BYTES,
        "us": N, "rss_kb": N, "kept": N, "dropped": N, "stop": true}
                                    one per step, in order; "stop" (a
                                    step whose status is not 0, or that
                                    interrupted the run): the request ends
                                    here, "dropped" its N steps after it,
                                    not run
    <- {"v": 3, "type": "end"}      tear down the split contexts kept
                                    set up, then exit (1 when a teardown
                                    failed, its traceback on stderr)

What the step's code writes to file descriptors 1 and 2 itself (a
subprocess, a C extension) reaches the agent through the worker's own
stdout and stderr; after each step the worker writes STEP_END to both, so
that the agent gives what came before it to that step, whatever the
order it reads the pipes in.
"""
import os
import sys
import time

import msgpack

from fanout_nose import execute

VERSION = 3
MAX_REQUEST = 64 * 1024 * 1024
# Written to fds 1 and 2 after each step (agent/fo_runner_python.c).
STEP_END = b"\x1ffanout-python-step-end\x1f"


class Memory:
    """The worker's resident memory, read after each step: /proc/self/statm
    kept open and read again with one pread."""

    def __init__(self):
        self.page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        try:
            self.fd = os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            self.fd = -1

    def rss_kb(self):
        try:
            return int(os.pread(self.fd, 128, 0).split()[1]) * self.page_kb
        except (OSError, ValueError, IndexError):
            return 0


def run(state, req):
    env = req.get("env") or {}
    environ = os.environ
    saved = {k: environ.get(k) for k in env}
    saved["FANOUT_STEP_TOKEN"] = environ.get("FANOUT_STEP_TOKEN")
    cwd = req.get("cwd")
    try:
        # What the step starts carries its token (fo_runner.h): the sweep
        # of the step's token finds what it leaves behind.
        for k, v in env.items():
            environ[str(k)] = str(v)
        if req.get("token"):
            environ["FANOUT_STEP_TOKEN"] = req["token"]
        if cwd and cwd != state.home:
            os.chdir(cwd)
        return execute.run_step(state, [str(a) for a in req.get("argv") or []])
    finally:
        for k, v in saved.items():
            if v is None:
                environ.pop(k, None)
            elif environ.get(k) != v:
                environ[k] = v
        # Back where the worker was (a step may move, its test too): one
        # getcwd when it did not.
        try:
            if os.getcwd() != state.home:
                os.chdir(state.home)
        except OSError:
            pass


def main(argv):
    try:
        rfd = os.open(os.environ["FANOUT_WORKER_IN"], os.O_RDONLY)
        wfd = os.open(os.environ["FANOUT_WORKER_OUT"], os.O_WRONLY)
    except (KeyError, OSError) as e:
        sys.stderr.write("fanout_nose worker: %s\n" % e)
        return 2
    packer = msgpack.Packer(use_bin_type=True)

    def send(msg):
        body = packer.pack(msg)
        data = len(body).to_bytes(4, "big") + body
        while data:
            n = os.write(wfd, data)
            data = data[n:]

    send({"v": VERSION, "type": "hello", "pid": os.getpid(),
          "python": "%d.%d.%d" % sys.version_info[:3]})
    state = execute.State(in_worker=True)
    # Every step's code runs with the root logger at NOTSET (its logging
    # captured, execute.Capture): the worker stays there between steps,
    # so that no step pays for setting it and back (each clears every
    # logger's cache).
    import logging
    logging.getLogger().setLevel(logging.NOTSET)
    memory = Memory()
    # Did the last request run stop at a step (status not 0, an
    # interrupt)? A chained request after it is not run: the agent
    # decides what comes next (docs/python-workers.md, "Chained leases").
    stopped = False
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
            steps = req.get("steps") if isinstance(req, dict) else None
            if steps is None or req.get("v") != VERSION or req.get("type") != "steps" \
                    or not isinstance(steps, list) \
                    or not all(isinstance(step, dict) for step in steps):
                sys.stderr.write("fanout_nose worker: bad request\n")
                return 2
            if req.get("chained") is True and stopped:
                continue
            stopped = False
            for i, step in enumerate(steps):
                state.output_cap = int(step.get("output_cap") or 0) or None
                state.interrupted = False
                t0 = time.monotonic()
                status, out, err = run(state, step)
                us = int((time.monotonic() - t0) * 1e6)
                sys.stdout.flush()
                sys.stderr.flush()
                os.write(1, STEP_END)
                os.write(2, STEP_END)
                done = {"v": VERSION, "type": "done", "status": status, "out": out, "err": err,
                        "us": us, "rss_kb": memory.rss_kb(), "kept": len(state.kept)}
                # A step that failed (a fixture: the agent skips its
                # scope) or stopped the run (KeyboardInterrupt) ends the
                # request: the agent says what comes next.
                stop = state.interrupted or status != 0
                if stop:
                    done["stop"] = True
                    stopped = True
                    if i + 1 < len(steps):
                        done["dropped"] = len(steps) - i - 1
                send(done)
                if stop:
                    break
