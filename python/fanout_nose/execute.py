"""One step of a Python suite: a context's setup or teardown, or one test
(docs/python-workers.md). The same code runs a step in a process of its
own (`python3 fanout_nose test ...`) and in a persistent worker
(worker.py), which keeps the modules it imported and the contexts it set
up between steps.

    setup --root DIR ADDRESS        the context's setup ("pkg.mod",
    teardown --root DIR ADDRESS     "pkg.mod:Class"); exit status 1 and
                                    the traceback on stderr when it raises
    test --root DIR ADDRESS [NAME]  one test ("pkg.mod:func",
                                    "pkg.mod:Class.method"; NAME: the test
                                    of that name a generator yields;
                                    "pkg.mod": a module that failed to
                                    import)
    generate --root DIR ADDRESS     the names of the tests a generator
                                    yields, one per line

A test step prints the test's captured stdout, then one line: RESULT_MARK
and a JSON object {"outcome", "message", "traceback", "duration_us"}
(outcome: passed, failed, error, skipped or not_run); its captured stderr
and logging go to stderr. Its exit status is 0 once that line is written.

Whose fixtures run where (nose's multiprocess rules): in a worker, a
context's setup and teardown run when their steps come (fanout's planner
puts them around the tests of the task); a shared context's never (the
broker ran them, in a process of their own). A worker that meets a test
whose context it has not set up (it replaced one that crashed in the
middle of a task) runs that setup first and keeps it up until the
context's teardown step. A split context (nose's _multiprocess_can_split_)
is set up once per worker, as nose did: its teardown step keeps it up
(State.kept) for the next of its tests this worker gets; it is torn down
when a step outside it comes or the worker ends (release_kept). In a
process per step, a
test runs the fixtures of its contexts around itself, except a shared
context's, and setup/teardown steps run only a shared context's fixtures
(the broker's), the others only check that the module imports.
"""
import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
import types
import unittest

from fanout_nose import RESULT_MARK, names


class State:
    def __init__(self, in_worker):
        self.in_worker = in_worker
        self.up = {}            # context address -> True: set up here
        # Split contexts whose teardown step came and which stay set up for
        # the next tests this worker gets from them (nose set a split
        # context up once per worker process): [(key, kind, obj)],
        # outermost first; torn down when a step outside them comes, or
        # at the worker's end (release_kept).
        self.kept = []
        self.roots = set()
        self.output_cap = None  # bytes of a test's stdout, of its stderr kept
        # Looked up once per worker, not per test: the modules of a dotted
        # name ([(key, kind, module)]), and the contexts found to have no
        # setup of their own and not to be shared (nothing to set up).
        self.modules = {}
        self.plain = set()
        self.home = os.getcwd() if in_worker else None    # where a worker is between steps
        self.interrupted = False    # the last test raised KeyboardInterrupt


class StepError(Exception):
    """Bad arguments: exit status 2."""


# ---- finding things ----------------------------------------------------

def _import(state, root, dotted):
    if root not in state.roots:
        state.roots.add(root)
        if root not in sys.path:
            sys.path.insert(0, root)
    return importlib.import_module(dotted)


def contexts_of(state, root, address):
    """The contexts of address, outermost first: [(key, kind, obj)] for
    each package, the module and the class; and the rest of the address
    (the test's name within its module, or "")."""
    dotted, _, rest = address.partition(":")
    chain = state.modules.get((root, dotted))
    if chain is None:
        chain = []
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            module = _import(state, root, name)
            kind = "package" if hasattr(module, "__path__") else "module"
            chain.append((name, kind, module))
        state.modules[(root, dotted)] = chain
    chain = list(chain)
    if rest:
        head = rest.split(".")[0]
        obj = getattr(chain[-1][2], head)
        if isinstance(obj, type):
            chain.append(("%s:%s" % (dotted, head), "class", obj))
    return chain, rest


def call_fixture(obj, func):
    """nose's try_run: a module's fixture that takes an argument gets the
    module."""
    if isinstance(obj, types.ModuleType) and isinstance(func, types.FunctionType):
        if func.__code__.co_argcount:
            return func(obj)
    return func()


def run_fixture(kind, obj, which):
    func = names.fixture(obj, kind, which)
    if func is not None:
        call_fixture(obj, func)
    return func is not None


def is_shared(kind, obj):
    try:
        return "shared" in names.mode(obj, kind).split()
    except names.ModeError:
        return False


def is_split(kind, obj):
    try:
        return "split" in names.mode(obj, kind).split()
    except names.ModeError:
        return False


def inside(address, key):
    """Is the step's ADDRESS (a context's or a test's) key's context or
    within it? Keys: "pkg", "pkg.mod", "pkg.mod:Class"."""
    if ":" in key:
        return address == key or address.startswith(key + ".")
    dotted = address.partition(":")[0]
    return dotted == key or dotted.startswith(key + ".")


def release_kept(state, address=None):
    """Tears down, innermost first, the kept split contexts that address
    is not within (every one when address is None: the worker ends).
    Returns what failed, as text for a stderr ("" when nothing did)."""
    report = ""
    while state.kept and (address is None or not inside(address, state.kept[-1][0])):
        key, kind, obj = state.kept.pop()
        state.up.pop(key, None)
        failed = ""
        with Capture() as cap:
            try:
                run_fixture(kind, obj, "teardown")
            except BaseException:
                etype, value, tb = sys.exc_info()
                failed = "".join(traceback.format_exception(etype, value,
                                                            _own_frames(tb) or tb))
        if failed:
            report += ("fanout: the teardown of split context %s (kept set up for its "
                       "tests) failed:\n%s%s%s" % (key, cap.out.getvalue(), cap.stderr_text(),
                                                   failed))
    return report


# ---- capture -----------------------------------------------------------

# Log handlers not in use (a worker runs thousands of tests: making a
# handler and its formatter per test was a fifth of its own time per test).
_idle_handlers = []


class Capture:
    """A test's sys.stdout, sys.stderr and logging (nose's capture and
    logcapture plugins), restored at exit."""

    def __enter__(self):
        self.out, self.err, self.log = io.StringIO(), io.StringIO(), io.StringIO()
        self.saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.out, self.err
        root = logging.getLogger()
        if _idle_handlers:
            self.handler = _idle_handlers.pop()
            self.handler.stream = self.log
        else:
            self.handler = logging.StreamHandler(self.log)
            self.handler.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        self.level = root.level
        root.addHandler(self.handler)
        if root.level != logging.NOTSET:
            root.setLevel(logging.NOTSET)
        return self

    def __exit__(self, *exc):
        sys.stdout, sys.stderr = self.saved
        root = logging.getLogger()
        root.removeHandler(self.handler)
        self.handler.stream = None
        _idle_handlers.append(self.handler)
        if root.level != self.level:
            root.setLevel(self.level)
        return False

    def stderr_text(self):
        text = self.err.getvalue()
        log = self.log.getvalue()
        if log:
            text += ("-------------------- >> begin captured logging << --------------------\n"
                     + log +
                     "--------------------- >> end captured logging << ---------------------\n")
        return text


# ---- outcomes ----------------------------------------------------------

INTERRUPTED = "interrupted"     # _judge's pseudo-outcome for KeyboardInterrupt

_HERE = os.path.dirname(os.path.abspath(__file__))


def _own_frames(tb):
    """The traceback less its first frames that are the helper's own (nose
    left its frames in; the test's are what a reader wants)."""
    while tb is not None and os.path.dirname(
            os.path.abspath(tb.tb_frame.f_code.co_filename)) == _HERE:
        tb = tb.tb_next
    return tb


def _judge(exc_info):
    """(outcome, message, traceback) for an exception a test raised."""
    etype, value, tb = exc_info
    tb = _own_frames(tb) or tb
    if issubclass(etype, unittest.SkipTest):
        return "skipped", str(value), ""
    text = "".join(traceback.format_exception(etype, value, tb))
    message = "".join(traceback.format_exception_only(etype, value)).strip()
    if issubclass(etype, KeyboardInterrupt):
        # Not an outcome of its own: the test ends not_run and the result
        # asks fanout to stop the run, as Ctrl-C would (test_step).
        return INTERRUPTED, "not run (interrupted: the test raised KeyboardInterrupt)", text
    if issubclass(etype, AssertionError):
        return "failed", message, text
    return "error", message, text


class _Result(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.verdict = ("passed", "", "")

    def _set(self, outcome, message, tb):
        # The first verdict that is not a pass wins (a failing test whose
        # tearDown then errs stays failed, with both tracebacks).
        if self.verdict[0] == "passed":
            self.verdict = (outcome, message, tb)
        else:
            self.verdict = (self.verdict[0], self.verdict[1], self.verdict[2] + tb)

    def addFailure(self, test, err):
        o, m, t = _judge(err)
        self._set("failed" if o == "error" else o, m, t)

    def addError(self, test, err):
        self._set(*_judge(err))

    def addSkip(self, test, reason):
        self._set("skipped", reason, "")

    def addExpectedFailure(self, test, err):
        self._set("passed", "expected failure", "")

    def addUnexpectedSuccess(self, test):
        self._set("failed", "unexpected success", "")

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self.addFailure(test, err) if issubclass(err[0], test.failureException) \
                else self.addError(test, err)


def _call_guarded(fn):
    try:
        fn()
        return None
    except BaseException:
        return sys.exc_info()


def _with_test_fixtures(obj, body):
    """setup/setUp, body, teardown/tearDown of a test function (with_setup)
    or of a test class's instance; the first exception wins."""
    setup = next((getattr(obj, n) for n in names.TEST_SETUP if callable(getattr(obj, n, None))),
                 None)
    teardown = next((getattr(obj, n) for n in names.TEST_TEARDOWN
                     if callable(getattr(obj, n, None))), None)
    if setup is not None:
        exc = _call_guarded(setup)
        if exc:
            return exc
    exc = _call_guarded(body)
    if teardown is not None:
        late = _call_guarded(teardown)
        exc = exc or late
    return exc


MAX_GENERATED = 100000


def _shown(args):
    text = str(args)
    text = "".join(c if c.isprintable() else "\\x%02x" % ord(c) for c in text)
    # A discovered name holds no "/" (fanout's rule for names listed at
    # run time, docs/suite-file.md).
    text = text.replace("/", "\\x2f")
    return text if len(text) <= 200 else text[:197] + "..."


def generated(func, fname):
    """(name, callable, args) for each test the generator func() yields,
    named as nose names them: the function's name and the arguments'
    tuple, "test_evens(1,)" (a name met before gets "#N", its position)."""
    seen = set()
    for i, item in enumerate(func()):
        if i >= MAX_GENERATED:
            raise RuntimeError("more than %d tests generated" % MAX_GENERATED)
        call, args = (item[0], tuple(item[1:])) if isinstance(item, tuple) else (item, ())
        name = "%s%s" % (fname, _shown(args))
        if name in seen:
            name = "%s#%d" % (name, i)
        seen.add(name)
        yield name, call, args


def _generator_of(module, rest):
    """The generator function of address rest, and its name."""
    parts = rest.split(".")
    obj = getattr(module, parts[0])
    if isinstance(obj, type):
        return getattr(obj(), parts[1]), parts[1]
    return obj, parts[0]


def _run_test(chain, module, rest, name):
    """(outcome, message, traceback) of the test rest of module."""
    if not rest:
        return "error", "the module imported now but failed to import when discovered", ""
    parts = rest.split(".")
    obj = getattr(module, parts[0])
    if isinstance(obj, type):
        cls, meth = obj, parts[1]
        if issubclass(cls, unittest.TestCase):
            result = _Result()
            cls(meth).run(result)
            return result.verdict
        if name is None:
            inst = cls()
            exc = _with_test_fixtures(inst, getattr(inst, meth))
            return _judge(exc) if exc else ("passed", "", "")
    if name is not None:
        # A generated test: the generator again, up to the test of that name.
        func, fname = _generator_of(module, rest)

        def body():
            for gname, call, args in generated(func, fname):
                if gname == name:
                    exc = _with_test_fixtures(call, lambda: call(*args))
                    if exc:
                        raise exc[1].with_traceback(exc[2])
                    return
            raise RuntimeError("the generator yielded no test named %s" % name)
        exc = _call_guarded(body)
    else:
        exc = _with_test_fixtures(obj, obj)
    return _judge(exc) if exc else ("passed", "", "")


def test_step(state, root, address, name):
    t0 = time.monotonic()
    implicit = []           # contexts this step set up itself (process mode)
    outcome = None
    with Capture() as cap:
        try:
            chain, rest = contexts_of(state, root, address)
        except BaseException:
            outcome = _judge(sys.exc_info())
            if outcome[0] == "failed":
                outcome = ("error",) + outcome[1:]
        if outcome is None:
            for key, kind, obj in chain:
                if key in state.up or key in state.plain:
                    continue
                if is_shared(kind, obj):
                    continue
                if state.in_worker and names.fixture(obj, kind, "setup") is None:
                    state.plain.add(key)
                    continue
                try:
                    ran = run_fixture(kind, obj, "setup")
                    if state.in_worker:
                        # A worker new in the middle of a task (the one
                        # before crashed): the context's setup step went
                        # to the old one. Set up here, torn down by the
                        # task's teardown step as usual.
                        state.up[key] = True
                    elif ran or names.fixture(obj, kind, "teardown"):
                        implicit.append((key, kind, obj))
                except BaseException:
                    o, m, t = _judge(sys.exc_info())
                    outcome = (o if o in ("skipped", "not_run", INTERRUPTED) else "error",
                               "setup of %s failed: %s" % (key, m), t)
                    break
        if outcome is None:
            try:
                outcome = _run_test(chain, chain[-1][2] if not rest or chain[-1][1] != "class"
                                    else chain[-2][2], rest, name)
            except BaseException:
                outcome = _judge(sys.exc_info())
        for key, kind, obj in reversed(implicit):
            try:
                run_fixture(kind, obj, "teardown")
            except BaseException:
                o, m, t = _judge(sys.exc_info())
                if outcome[0] in ("passed", "skipped"):
                    outcome = ("error", "teardown of %s failed: %s" % (key, m), t)
                else:
                    outcome = (outcome[0], outcome[1], outcome[2] + t)
    record = {"outcome": outcome[0], "message": outcome[1][:4000],
              "traceback": _capped(outcome[2], 65536),
              "duration_us": int((time.monotonic() - t0) * 1e6)}
    if outcome[0] == INTERRUPTED:
        # KeyboardInterrupt: the run stops as on fanout's SIGINT (the
        # reader's "interrupt", docs/python.md).
        record["outcome"], record["interrupt"] = "not_run", True
        state.interrupted = True
    out = _capped(cap.out.getvalue(), state.output_cap) + "\n" + RESULT_MARK + \
        json.dumps(record) + "\n"
    return 0, out, _capped(cap.stderr_text(), state.output_cap)


def _capped(text, cap):
    """At most about cap characters: the head and the tail, as fanout's
    own capture keeps them."""
    if not cap or len(text) <= cap:
        return text
    half = cap // 2
    return text[:half] + "\n[... %d bytes left out ...]\n" % (len(text) - 2 * half) + \
        text[-half:]


def _fixture_here(run):
    from fanout_nose import keeper
    return keeper._fixture(run, "teardown")


# A fixture step's exit status when it raised KeyboardInterrupt: the agent
# stops the run as for a test's (docs/python-workers.md).
INTERRUPT_STATUS = 130


def fixture_step(state, which, root, address):
    err = io.StringIO()
    try:
        chain, rest = contexts_of(state, root, address)
    except KeyboardInterrupt:
        return INTERRUPT_STATUS, "", traceback.format_exc()
    except BaseException:
        return 1, "", traceback.format_exc()
    key, kind, obj = chain[-1]
    if not state.in_worker and not is_shared(kind, obj):
        return 0, "", ""        # a test in a process of its own runs it
    if state.in_worker and is_shared(kind, obj):
        return 0, "", ""        # the broker's
    if not state.in_worker:
        # The broker's shared fixture: in one long-lived process, as nose's
        # main process ran it (keeper.py).
        from fanout_nose import keeper
        run = lambda which: run_fixture(kind, obj, which)  # noqa: E731
        if which == "setup":
            status, out, err = keeper.setup(key, run)
        else:
            answer = keeper.teardown(key)
            status, out, err = answer if answer is not None else _fixture_here(run)
        return status, _capped(out, state.output_cap), _capped(err, state.output_cap)
    split = is_split(kind, obj)
    kept = [k for k, _, _ in state.kept]
    if which == "setup" and split and key in kept:
        # Still set up from an earlier task: in use again until its
        # teardown step keeps it once more.
        state.kept = [c for c in state.kept if c[0] != key]
        return 0, "", ""
    if which == "teardown" and split and state.up.get(key) \
            and not any(is_shared(k, o) for _, k, o in chain[:-1]):
        # nose's rule: a split context is set up once per worker process;
        # it stays up for the next of its tests this worker gets. Not
        # inside a shared context: the broker tears that down once its
        # last test has ended, and this one must be down before.
        if key not in kept:
            state.kept.append((key, kind, obj))
        return 0, "", ""
    with Capture() as cap:
        try:
            if which == "setup":
                run_fixture(kind, obj, "setup")
                state.up[key] = True
            else:
                state.up.pop(key, None)
                run_fixture(kind, obj, "teardown")
            status = 0
        except BaseException as e:
            err.write(traceback.format_exc())
            status = INTERRUPT_STATUS if isinstance(e, KeyboardInterrupt) else 1
    return status, _capped(cap.out.getvalue(), state.output_cap), \
        _capped(cap.stderr_text() + err.getvalue(), state.output_cap)


def generate_step(state, root, address):
    """The names of the tests the generator at address yields, one per
    line (a discover step: fanout makes each a test of the generator's
    context, run as `test --root DIR ADDRESS NAME`)."""
    names_out = io.StringIO()
    with Capture() as cap:
        try:
            chain, rest = contexts_of(state, root, address)
            module = chain[-2][2] if chain[-1][1] == "class" else chain[-1][2]
            func, fname = _generator_of(module, rest)
            for name, _, _ in generated(func, fname):
                names_out.write(name + "\n")
            status, tb = 0, ""
        except BaseException:
            status, tb = 1, traceback.format_exc()
    return status, names_out.getvalue(), cap.stderr_text() + tb


def run_step(state, argv):
    """(exit status, stdout bytes, stderr bytes) of one step."""
    try:
        if len(argv) < 4 or argv[0] not in ("setup", "teardown", "test", "generate") \
                or argv[1] != "--root":
            raise StepError("usage: setup|teardown|test|generate --root DIR ADDRESS [NAME]")
        op, root, address = argv[0], argv[2], argv[3]
        # Split contexts kept set up that this step is outside of: torn
        # down first (the worker switches to another context).
        released = release_kept(state, address) if state.kept else ""
        if op == "test":
            status, out, err = test_step(state, root, address, argv[4] if len(argv) > 4 else None)
        elif op == "generate":
            status, out, err = generate_step(state, root, address)
        elif len(argv) != 4:
            raise StepError("usage: %s --root DIR ADDRESS" % op)
        else:
            status, out, err = fixture_step(state, op, root, address)
    except (StepError, ValueError) as e:
        return 2, b"", ("fanout_nose: %s\n" % e).encode()
    err = released + err
    return status, out.encode("utf-8", "backslashreplace"), err.encode("utf-8", "backslashreplace")
