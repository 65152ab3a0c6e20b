import unittest

import pkg


class TestWithClassFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ready = True

    def test_class_fixture(self):
        assert self.ready

    def test_package_fixture(self):
        assert pkg.STATE == ["package"], pkg.STATE


class TestPlain:
    @classmethod
    def setup_class(cls):
        cls.items = [1]

    def test_items(self):
        assert self.items == [1]


def test_function_sees_package():
    assert pkg.STATE == ["package"]


def test_generated_in_package():
    for n in (1, 2):
        yield check_package_up, n


def check_package_up(n):
    assert pkg.STATE == ["package"], pkg.STATE
