"""An unmarked module whose second test raises KeyboardInterrupt once a
test elsewhere is running ($MARK_DIR/sleeping): the run stops as on
Ctrl-C. setup_module and teardown_module log to $MARK_DIR/module.log."""
import os
import time

MARKS = os.environ["MARK_DIR"]


def _log(what):
    with open(os.path.join(MARKS, "module.log"), "a") as f:
        f.write(what + "\n")


def setup_module():
    _log("up")


def teardown_module():
    _log("down")


def test_1_first():
    pass


def test_2_interrupt():
    # Another test runs now (it sleeps until it is killed): it is one the
    # interrupt stops.
    for _ in range(600):
        if os.path.exists(os.path.join(MARKS, "sleeping")):
            break
        time.sleep(0.1)
    raise KeyboardInterrupt


def test_3_after():
    _log("test_3 ran")
