"""A shared module whose teardown needs what its setup left in memory:
nose ran both in its main process; fanout's broker runs them in one
keeper process. Each call writes its pid to $MARK_DIR/keeper.calls."""
import os

_multiprocess_shared_ = True
STATE = []


def _mark(what):
    with open(os.path.join(os.environ["MARK_DIR"], "keeper.calls"), "a") as f:
        f.write("%s %d\n" % (what, os.getpid()))


def setup_module():
    STATE.append("up")
    _mark("setup")


def teardown_module():
    assert STATE == ["up"], "the teardown runs where the setup ran: %r" % STATE
    _mark("teardown")


def test_1():
    assert any(k.startswith("PY_FANOUT_KEEPER_") for k in os.environ), "the export"


def test_2():
    pass
