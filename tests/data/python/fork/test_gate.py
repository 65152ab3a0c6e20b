"""test_0 waits (at most 60 s) for $MARK_DIR/go, after writing
$MARK_DIR/waiting: the test script kills the fork server meanwhile. Every
test marks "test PID"."""
import os
import time

MARKS = os.path.join(os.environ["MARK_DIR"], "marks")


def _mark():
    with open(MARKS, "a") as f:
        f.write("test %d\n" % os.getpid())


def test_0():
    _mark()
    open(os.path.join(os.environ["MARK_DIR"], "waiting"), "w").close()
    for _ in range(600):
        if os.path.exists(os.path.join(os.environ["MARK_DIR"], "go")):
            return
        time.sleep(0.1)
    raise AssertionError("no go")


def test_1(): _mark()
def test_2(): _mark()
def test_3(): _mark()
