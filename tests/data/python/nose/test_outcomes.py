"""Every outcome nose tells apart: pass, failure, error, skips (unittest's
and nose's SkipTest), expected failure, output and logging."""
import logging
import sys
import unittest

from nose.plugins.skip import SkipTest


def test_pass():
    print("to stdout")
    sys.stderr.write("to stderr\n")
    logging.getLogger("outcomes").warning("a warning")


def test_fail():
    assert 1 == 2, "one is not two"


def test_error():
    raise ValueError("bad value")


def test_nose_skip():
    raise SkipTest("nose says skip")


def _helper_test():
    raise AssertionError("starts with _: never collected")


def test_not_a_test():
    pass


test_not_a_test.__test__ = False


class TestUnit(unittest.TestCase):
    def test_ok(self):
        self.assertEqual(2, 1 + 1)

    def test_failure(self):
        self.assertEqual(3, 1 + 1)

    @unittest.skip("unittest says skip")
    def test_skipped(self):
        pass

    def test_skip_inside(self):
        self.skipTest("skipped inside")

    @unittest.expectedFailure
    def test_expected_failure(self):
        self.assertEqual(3, 1 + 1)


class TestPlainClass:
    def setup(self):
        self.value = 1

    def test_method(self):
        assert self.value == 1

    def test_method_fails(self):
        assert self.value == 2


class Hidden(unittest.TestCase):
    __test__ = False

    def test_never(self):
        raise AssertionError("__test__ = False")
