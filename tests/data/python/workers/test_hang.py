"""One test that waits to be interrupted ($MARK_DIR/hanging says it
started)."""
import os
import time


def test_hang():
    open(os.path.join(os.environ["MARK_DIR"], "hanging"), "w").close()
    time.sleep(120)
