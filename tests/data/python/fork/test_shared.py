"""A shared context: its setup runs in a keeper (forked from the
discovery by default), which exports a variable to the tests and runs
the teardown at the end. Marks: "import PID", "setup PID", "test PID",
"teardown PID" in $MARK_DIR/marks."""
import os
import time

_multiprocess_shared_ = True
MARKS = os.path.join(os.environ["MARK_DIR"], "marks")
with open(MARKS, "a") as f:
    f.write("import %d\n" % os.getpid())


def setup_module():
    with open(MARKS, "a") as f:
        f.write("setup %d\n" % os.getpid())


def teardown_module():
    with open(MARKS, "a") as f:
        f.write("teardown %d\n" % os.getpid())


def test_a():
    with open(MARKS, "a") as f:
        f.write("test %d\n" % os.getpid())


def test_b():
    # Longer than the keeper's watch of its parent (1 s): a keeper that
    # watched the wrong process (the fork's intermediate, gone at once)
    # would take fanout for gone and tear down before this test's end.
    time.sleep(1.5)
    with open(MARKS, "a") as f:
        f.write("test %d\n" % os.getpid())
