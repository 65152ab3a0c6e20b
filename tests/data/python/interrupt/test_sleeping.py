"""Tests that run until they are stopped (each says so in
$MARK_DIR/sleeping first): whichever runs when a test raises
KeyboardInterrupt is killed, the others are never started."""
import os
import time


def _sleep():
    with open(os.path.join(os.environ["MARK_DIR"], "sleeping"), "a") as f:
        f.write("%d\n" % os.getpid())
    time.sleep(60)


def test_a():
    _sleep()


def test_b():
    _sleep()


def test_c():
    _sleep()
