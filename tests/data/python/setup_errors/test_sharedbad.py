"""A shared module whose setup raises (run by the broker): one error."""
_multiprocess_shared_ = True
def setup():
    raise RuntimeError("shared setup broke")
def test_h1(): pass
def test_h2(): pass
