"""nose-style generators: each yielded call is a test of its own."""


def check_even(n):
    assert n % 2 == 0, "%d is odd" % n


def test_evens():
    for n in (0, 1, 2, 3):
        yield check_even, n


def test_words():
    for w in ("a", "bb"):
        yield check_len, w, len(w)


def check_len(word, n):
    assert len(word) == n


class TestGeneratorMethods:
    def test_squares(self):
        for n in (1, 2):
            yield check_square, n, n * n
        yield check_square, 3, 10


def check_square(n, sq):
    assert n * n == sq
