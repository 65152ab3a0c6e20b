"""What the three modules share (not a test module: no test_ prefix):
their marks in $MARK_DIR/marks, and a bounded wait for a file."""
import os
import time

MARK_DIR = os.environ["MARK_DIR"]
WAIT_S = 20


def mark(*words):
    with open(os.path.join(MARK_DIR, "marks"), "a") as f:
        f.write(" ".join(str(w) for w in words) + "\n")


def touch(name):
    open(os.path.join(MARK_DIR, name), "a").close()


def await_file(name, who):
    """Up to WAIT_S for $MARK_DIR/NAME, else WHO fails saying why."""
    path = os.path.join(MARK_DIR, name)
    for _ in range(WAIT_S * 10):
        if os.path.exists(path):
            return
        time.sleep(0.1)
    raise AssertionError("%s: %s did not appear within %d s (the broker did not lease "
                         "the test that makes it)" % (who, path, WAIT_S))
