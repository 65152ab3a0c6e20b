"""A split context a worker keeps: its teardown runs when the agent's
session (the run) ends, before the next run. Calls go to $MARK_DIR/log.
(Its folder's name keeps it out of the discovery of split/.)"""
import os

_multiprocess_can_split_ = True


def _mark(what):
    with open(os.path.join(os.environ["MARK_DIR"], "log"), "a") as f:
        f.write(what + "\n")


def setup():
    _mark("setup")


def teardown():
    _mark("teardown")


def test_a():
    pass
