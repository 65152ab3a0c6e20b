"""A shared package (the broker sets it up once) holding a split module:
the split module is set up around each of its tests, so that its
teardowns all come before the package's. Calls go to $MARK_DIR/log.
(Its folder's name keeps it out of the discovery of split/.)"""
import os

_multiprocess_shared_ = True


def mark(what):
    with open(os.path.join(os.environ["MARK_DIR"], "log"), "a") as f:
        f.write(what + "\n")


def setup():
    mark("pkg setup")


def teardown():
    mark("pkg teardown")
