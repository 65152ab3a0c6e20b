"""A module whose setup_module raises: one error for the module (nose:
"test suite for <module ...>"), its tests not run."""
def setup_module():
    raise RuntimeError("setup_module broke")
def test_one(): pass
def test_two(): pass
