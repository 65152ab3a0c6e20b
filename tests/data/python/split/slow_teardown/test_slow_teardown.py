"""A split context whose first teardown hangs (30 s): the agent, retiring
the worker that keeps it at a restart (--restart-worker), waits 10 s, then
kills it; the second teardown is quick. Calls go to $MARK_DIR/log.
(Its folder's name keeps it out of the discovery of split/.)"""
import os
import time

_multiprocess_can_split_ = True
LOG = os.path.join(os.environ["MARK_DIR"], "log")


def setup():
    pass


def teardown():
    first = not os.path.exists(LOG)
    with open(LOG, "a") as f:
        f.write("teardown\n")
    if first:
        time.sleep(30)
    with open(LOG, "a") as f:
        f.write("done\n")


def test_1():
    pass


def test_2():
    pass
