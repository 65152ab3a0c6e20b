"""Tests that take their worker down, in one task (the module has a
setup): each later test still runs and sees the module set up."""
import os
import signal
import time

STATE = []


def setup_module():
    STATE.append("up")


def test_a_before():
    assert STATE == ["up"]


def test_b_crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def test_c_after_crash():
    assert STATE == ["up"]


def test_d_hang():
    time.sleep(120)


def test_e_after_hang():
    assert STATE == ["up"]


def test_f_exit():
    os._exit(3)


def test_g_last():
    assert STATE == ["up"]


def teardown_module():
    with open(os.path.join(os.environ["MARK_DIR"], "hostile.teardown"), "a") as f:
        f.write("teardown\n")
