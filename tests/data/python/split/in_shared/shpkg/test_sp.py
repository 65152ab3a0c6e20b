"""A split module in a shared package: not kept past its teardown step."""
from shpkg import mark

_multiprocess_can_split_ = True


def setup():
    mark("split setup")


def teardown():
    mark("split teardown")


def test_1():
    pass


def test_2():
    pass
