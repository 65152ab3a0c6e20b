"""nose's multiprocess documentation's example: three modules with
identical fixtures, can_split. setup and teardown write each call to
$CALLED_DIR/can_split.called (and this process's list, called), and
with the process's pid, as each test does, to can_split.bypid."""
import os

_multiprocess_can_split_ = True
called = []


def _record(what):
    called.append(what)
    with open(os.path.join(os.environ["CALLED_DIR"], "can_split.called"), "a") as f:
        f.write(what + "\n")
    # which process: nose (and fanout's workers) set a split context up
    # once per worker process
    with open(os.path.join(os.environ["CALLED_DIR"], "can_split.bypid"), "a") as f:
        f.write("%d %s\n" % (os.getpid(), what))


def setup():
    _record("setup")


def teardown():
    _record("teardown")


def _check():
    # Deterministic under nose --processes=2 and fanout alike: a shared
    # context's setup ran once, elsewhere, before any test, and its
    # teardown after them all; an unmarked module was set up once in this
    # process; a split one at least once (nose: once per worker process,
    # fanout: around each test).
    with open(os.path.join(os.environ["CALLED_DIR"], "can_split.called")) as f:
        calls = f.read().split()
    if "can_split" == "shared":
        assert calls == ["setup"], calls
    elif "can_split" == "not_shared":
        assert called == ["setup"], called
    else:
        assert "setup" in called and "setup" in calls, (called, calls)
    with open(os.path.join(os.environ["CALLED_DIR"], "can_split.bypid"), "a") as f:
        f.write("%d test\n" % os.getpid())


def test_a():
    _check()


def test_b():
    _check()


def test_c():
    _check()


def test_d():
    _check()


def test_e():
    _check()


def test_f():
    _check()
