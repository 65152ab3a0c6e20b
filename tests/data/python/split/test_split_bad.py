"""A split context whose teardown raises: a worker keeps it set up after
its tests' teardown steps and tears it down when it turns to another
context (test_z.py) or ends (docs/python-workers.md, "Split contexts")."""
_multiprocess_can_split_ = True


def setup():
    pass


def teardown():
    raise RuntimeError("split teardown broke")


def test_a():
    pass


def test_b():
    pass
