"""A module whose setup raises: its tests are errors."""


def setup_module():
    raise RuntimeError("setup_module broke")


def test_one():
    pass


def test_two():
    pass
