"""fanout's Python helper, run as `python3 DIR/fanout_nose COMMAND ...`
(DIR is share/fanout/python where fanout is installed).

    discover [--match RE] [--exe] PATH     the tests under PATH, JSON on stdout
    setup|teardown --root DIR ADDRESS      a context's fixture (execute.py)
    test --root DIR ADDRESS [INDEX]        one test (execute.py)
    worker                                 a persistent worker (worker.py)

Exit status: 0, or 1 when the step failed (a fixture raised), 2 on bad
arguments.
"""
import os
import sys


def _fix_path():
    # Run as a directory, Python puts the package's own folder first on
    # sys.path; the tests must not see its modules as top-level names.
    here = os.path.dirname(os.path.abspath(__file__))
    parent = os.path.dirname(here)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    if parent not in sys.path:
        sys.path.insert(0, parent)


def main(argv):
    _fix_path()
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    if argv[0] == "discover":
        from fanout_nose import discover
        return discover.main(argv[1:])
    if argv[0] == "worker":
        from fanout_nose import worker
        return worker.main(argv[1:])
    from fanout_nose import execute
    state = execute.State(in_worker=False)
    status, out, err = execute.run_step(state, argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, out)
    os.write(2, err)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
