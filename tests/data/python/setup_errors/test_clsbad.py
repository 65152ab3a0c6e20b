"""Classes whose class fixture raises (unittest's setUpClass, nose's
setup_class): one error each; a class beside them passes."""
import unittest
class TestC(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise RuntimeError("setUpClass broke")
    def test_x(self): pass
    def test_y(self): pass
class TestPlain:
    @classmethod
    def setup_class(cls):
        raise RuntimeError("setup_class broke")
    def test_q(self): pass
class TestOk(unittest.TestCase):
    def test_fine(self): pass
