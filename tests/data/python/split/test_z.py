"""Another context: the worker tears down the split one it keeps first."""


def test_z():
    pass
