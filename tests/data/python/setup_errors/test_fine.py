"""A module beside them, not touched by their failures."""


def test_fine():
    pass
