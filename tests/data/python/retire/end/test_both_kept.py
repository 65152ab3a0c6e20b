"""A split context kept set up by both slots' workers at the run's end,
whose teardowns wait for each other: each says it began
($MARK_DIR/began-PID) and waits (at most 5 s, then it raises, which the
agent logs) for the other's. Workers retired one after another never see
both begin; side by side they do. The two tests wait for each other to be
running (at most 5 s), so that each slot's worker runs one. Calls go to
$MARK_DIR/log."""
import glob
import os
import time

_multiprocess_can_split_ = True
MARKS = os.environ["MARK_DIR"]


def log(line):
    with open(os.path.join(MARKS, "log"), "a") as f:
        f.write(line + "\n")


def wait_for(pattern, n, what):
    until = time.monotonic() + 5
    while len(glob.glob(os.path.join(MARKS, pattern))) < n:
        if time.monotonic() > until:
            log(what + " gave up")
            raise RuntimeError("waited 5 s for %s" % what)
        time.sleep(0.01)


def setup():
    log("setup")


def teardown():
    open(os.path.join(MARKS, "began-%d" % os.getpid()), "w").close()
    wait_for("began-*", 2, "the other teardown")
    log("teardown done")


def run(name):
    open(os.path.join(MARKS, "running-" + name), "w").close()
    wait_for("running-*", 2, "the other test")


def test_1():
    run("1")


def test_2():
    run("2")
