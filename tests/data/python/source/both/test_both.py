"""Asks for split and shared at once: nose's plugin takes that; fanout
refuses the suite, naming the module."""
_multiprocess_can_split_ = True
_multiprocess_shared_ = True


def setup():
    pass


def test_a():
    pass
