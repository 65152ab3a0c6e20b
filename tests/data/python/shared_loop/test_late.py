"""Set up only once test_slow's teardown runs: its test is still queued
then, and test_slow's teardown waits for it."""
import os

from marks import await_file, mark, touch

_multiprocess_shared_ = True
mark("import", os.getpid(), "late")


def setup_module():
    await_file("slow-tearing-down", "setup of test_late")
    mark("setup late")


def test_maker():
    mark("test late/maker")
    touch("made-by-late")
