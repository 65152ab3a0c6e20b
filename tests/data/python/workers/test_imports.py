"""Ten tests without fixtures (ten tasks). Importing the module appends
this process's pid to $MARK_DIR/imports: one line per worker that ran
any of them."""
import os

with open(os.path.join(os.environ["MARK_DIR"], "imports"), "a") as f:
    f.write("%d\n" % os.getpid())


def test_0(): pass
def test_1(): pass
def test_2(): pass
def test_3(): pass
def test_4(): pass
def test_5(): pass
def test_6(): pass
def test_7(): pass
def test_8(): pass
def test_9(): pass
