"""A module that fails to import: one error, the run goes on."""
import fanout_no_such_module  # noqa: F401


def test_never():
    pass
