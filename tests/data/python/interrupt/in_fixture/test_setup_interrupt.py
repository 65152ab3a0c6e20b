"""(Not in the folder the other tests discover: its name does not match.)
A module whose setup_module raises KeyboardInterrupt: the run stops as
on Ctrl-C (its tests and the others not run), the interrupt reported as
the setup's fixture error. Run on its own with test_sleeping.py."""


def setup_module():
    raise KeyboardInterrupt


def test_never():
    pass
