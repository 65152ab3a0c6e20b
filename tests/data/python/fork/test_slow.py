"""One test that never ends: its timeout kills the (forked) worker."""
import time


def test_hang():
    time.sleep(3600)


def test_after():
    pass
