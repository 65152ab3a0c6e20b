"""A split context whose teardown needs the agent's loop to go on: it
waits (at most 5 s) for $MARK_DIR/made, which only a test started after
the teardown began makes (test_b_others.py). The worker keeps the context
set up after test_1 and tears it down when it is retired at the restart
before its slot's next task (--restart-worker); meanwhile the other slot
must start a test. test_1 waits for a test of the other slot to be
running (which then holds that slot until the teardown began), so that
the test that makes the file is one the agent started after the teardown
began, not one sent before whose worker was slow to run it. Calls go to
$MARK_DIR/log."""
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
    log("teardown began")
    open(os.path.join(MARKS, "began"), "w").close()
    made = os.path.join(MARKS, "made")
    until = time.monotonic() + 5
    while not os.path.exists(made):
        if time.monotonic() > until:
            log("teardown gave up")
            raise RuntimeError("no test started on another slot while this teardown waited "
                               "5 s: the agent's loop was held")
        time.sleep(0.01)
    log("teardown done")


def test_1():
    # A test of the other slot runs, started before the teardown can begin
    # (test_b_others.py): it holds that slot until the teardown began.
    until = time.monotonic() + 5
    while not os.path.exists(os.path.join(MARKS, "waiting")):
        if time.monotonic() > until:
            raise RuntimeError("no test ran on the other slot")
        time.sleep(0.01)
