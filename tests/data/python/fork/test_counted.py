"""Ten tests without fixtures (ten tasks). Importing the module appends
"import PID" to $MARK_DIR/marks, each test "test PID" (the process that
ran it), and each test checks what a forked process must have: the
step's environment (not the discovery's), its own process group, stdin
/dev/null, and no fork server descriptor."""
import os
import signal

MARKS = os.path.join(os.environ["MARK_DIR"], "marks")
with open(MARKS, "a") as f:
    f.write("import %d\n" % os.getpid())


def _check():
    with open(MARKS, "a") as f:
        f.write("test %d\n" % os.getpid())
    assert "FANOUT_PYFORK_FD" not in os.environ
    assert os.environ.get("FROM_SUITE") == "yes", os.environ.get("FROM_SUITE")
    # the step's token, not the discovery's (fanout's base, no "/")
    assert "/" in os.environ["FANOUT_STEP_TOKEN"], os.environ["FANOUT_STEP_TOKEN"]
    # the worker leads its own process group; fanout is its parent (it was
    # re-parented there, not to init)
    assert os.getpgid(0) == os.getpid()
    with open("/proc/%d/comm" % os.getppid()) as f:
        parent = f.read().strip()
    assert parent == "fanout", parent
    assert os.path.samestat(os.fstat(0), os.stat(os.devnull))
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()


def test_0(): _check()
def test_1(): _check()
def test_2(): _check()
def test_3(): _check()
def test_4(): _check()
def test_5(): _check()
def test_6(): _check()
def test_7(): _check()
def test_8(): _check()
def test_9(): _check()
