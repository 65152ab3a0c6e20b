"""A shared module whose setup needs test_quick's test to have run, and
whose teardown needs test_late's: both are leased only while the fixture
runs (tests/integration/test_python_shared_loop.sh)."""
import os

from marks import await_file, mark, touch

_multiprocess_shared_ = True
mark("import", os.getpid(), "slow")


def setup_module():
    mark("setup slow begins")
    touch("slow-setting-up")
    await_file("made-by-quick", "setup of test_slow")
    mark("setup slow ends")


def teardown_module():
    mark("teardown slow begins")
    touch("slow-tearing-down")
    await_file("made-by-late", "teardown of test_slow")
    mark("teardown slow ends")


def test_a():
    mark("test slow/a")
