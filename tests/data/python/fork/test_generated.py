"""A nose-style generator: its three tests are listed during the run by
a generate step, which is forked from the discovery too (the module is
imported once). Importing the module appends "import PID" to
$MARK_DIR/marks, the generate step "generate PID", each test "test PID"."""
import os

MARKS = os.path.join(os.environ["MARK_DIR"], "marks")
with open(MARKS, "a") as f:
    f.write("import %d\n" % os.getpid())


def _check(n):
    with open(MARKS, "a") as f:
        f.write("test %d\n" % os.getpid())
    assert n in (0, 1, 2)


def test_numbers():
    with open(MARKS, "a") as f:
        f.write("generate %d\n" % os.getpid())
    for n in range(3):
        yield _check, n
