"""_multiprocess_ = False: a serial context (runs alone)."""
_multiprocess_ = False


def test_alone():
    pass
