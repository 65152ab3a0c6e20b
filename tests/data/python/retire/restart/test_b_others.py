"""Tests of their own tasks (no fixtures). One that runs after the kept
context's teardown began (test_a_kept.py) makes $MARK_DIR/made, which that
teardown waits for; one that runs before says so ($MARK_DIR/waiting, which
the kept context's test waits for) and waits (at most 5 s) for the
teardown to begin, so that the slot it holds takes its next test only
then, and ends: that next test is one the agent started after."""
import os
import time

MARKS = os.environ["MARK_DIR"]
BEGAN = os.path.join(MARKS, "began")


def check():
    if os.path.exists(BEGAN):
        open(os.path.join(MARKS, "made"), "w").close()
        return
    open(os.path.join(MARKS, "waiting"), "w").close()
    until = time.monotonic() + 5
    while not os.path.exists(BEGAN) and time.monotonic() < until:
        time.sleep(0.01)


def test_1():
    check()


def test_2():
    check()


def test_3():
    check()


def test_4():
    check()


def test_5():
    check()


def test_6():
    check()
