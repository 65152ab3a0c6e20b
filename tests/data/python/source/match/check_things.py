"""Found only with `match: ^check` (nose's --match)."""


def check_one():
    pass


def check_two():
    assert False, "two"


def test_not_with_that_match():
    pass
