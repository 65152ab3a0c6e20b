"""One task of five tests (the class has a teardown): with a worker that
dies at start, the first steps try, then the crash loop stops the task."""


class TestLoop:
    def test_1(self): pass
    def test_2(self): pass
    def test_3(self): pass
    def test_4(self): pass
    def test_5(self): pass

    @classmethod
    def teardown_class(cls):
        pass
