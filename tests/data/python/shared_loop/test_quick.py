"""Set up only once test_slow's setup runs: its test is leased after that,
while test_slow's setup waits for it."""
import os

from marks import await_file, mark, touch

_multiprocess_shared_ = True
mark("import", os.getpid(), "quick")


def setup_module():
    await_file("slow-setting-up", "setup of test_quick")
    mark("setup quick")


def test_maker():
    mark("test quick/maker")
    touch("made-by-quick")
