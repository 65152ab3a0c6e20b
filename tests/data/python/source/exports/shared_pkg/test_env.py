import os


def _check():
    assert os.environ.get("GREETING", "").startswith("hello from "), os.environ.get("GREETING")
    with open(os.path.join(os.environ["MARK_DIR"], "tests"), "a") as f:
        f.write("%s %s\n" % (os.readlink("/proc/self/ns/net"), os.getpid()))


def test_1(): _check()
def test_2(): _check()
def test_3(): _check()
def test_4(): _check()
def test_5(): _check()
def test_6(): _check()
