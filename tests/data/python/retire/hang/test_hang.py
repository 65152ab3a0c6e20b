"""A split context whose teardown hangs (60 s): the run is interrupted
while the worker that keeps it is retired at a restart (--restart-worker),
before test_2. Its pid goes to $ITEST_DIR/retiree.pid (the test's cleanup
kills it if it survived), its calls to $MARK_DIR/log."""
import os
import time

_multiprocess_can_split_ = True
MARKS = os.environ["MARK_DIR"]


def log(line):
    with open(os.path.join(MARKS, "log"), "a") as f:
        f.write(line + "\n")


def setup():
    log("setup")


def teardown():
    with open(os.path.join(os.environ["ITEST_DIR"], "retiree.pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    log("teardown began")
    time.sleep(60)
    log("teardown done")


def test_1():
    pass


def test_2():
    pass
