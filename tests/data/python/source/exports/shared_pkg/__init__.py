"""A shared package: its setup runs once, on the broker's host, and
exports a variable every test receives, wherever it runs."""
import os

_multiprocess_shared_ = True


def setup_package():
    with open(os.environ["FANOUT_EXPORT"], "a") as f:
        f.write("GREETING=hello from %d\n" % os.getpid())
    with open(os.path.join(os.environ["MARK_DIR"], "shared.calls"), "a") as f:
        f.write("setup\n")


def teardown_package():
    with open(os.path.join(os.environ["MARK_DIR"], "shared.calls"), "a") as f:
        f.write("teardown\n")
