"""fanout_nose: fanout's Python source (docs/python.md).

Discovers tests as nose did (discover.py), runs one step of them
(execute.py) in a process of its own or in a persistent worker
(worker.py, docs/python-workers.md). Python 3, standard library only,
except the worker, which speaks msgpack through Debian's python3-msgpack.
"""

# The line a test step prints last on stdout: this prefix, then one JSON
# object (execute.py). fanout's "python" reader (lib/import/fo_read_python.c)
# takes the last such line as the test's result.
RESULT_MARK = "\x1efanout-python-result "

# Bumped when discover's JSON or the result record changes incompatibly.
FORMAT_VERSION = 1
