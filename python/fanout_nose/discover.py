"""`discover PATH`: the tests under PATH as nose finds them, as one JSON
object on stdout (read by fanout's python source, lib/import/
fo_source_python.c; the format is in docs/python.md):

    {"format": 1,
     "contexts": [CONTEXT...],      the packages and modules under PATH
     "tests": [TEST...],            a module of PATH that failed to import
     "errors": ["..."]}             what makes the import fail (exit 0)

    CONTEXT = {"kind": "package"|"module"|"class"|"generator", "name": NAME,
               "root": DIR, "address": "pkg.mod" | "pkg.mod:Class",
               "mode": ""|"split"|"shared"|"serial"|"split serial"|"shared serial",
               "setup": bool, "teardown": bool,
               "contexts": [CONTEXT...], "tests": [TEST...]}
    TEST = {"name": NAME, "root": DIR, "address": "pkg.mod:func",
            "import_error": true (the module could not be imported)}

A "generator" context is a test function (or a plain class's method)
that yields: its tests are listed during the run (`generate`).

Modules are imported here, in this one process, as nose's main process
did. Generators are not run here: an agent lists what they yield during
the run.
"""
import argparse
import inspect
import json
import os
import re
import sys
import unittest

from fanout_nose import FORMAT_VERSION, names

class Finder:
    def __init__(self, match, exe):
        self.match = re.compile(match)
        self.exe = exe
        self.errors = []

    def matches(self, name):
        return bool(self.match.search(name))

    # ---- files and folders (nose.selector.Selector) ----
    def want_file(self, path):
        base = os.path.basename(path)
        if any(r.search(base) for r in names.IGNORE_FILES):
            return False
        if not base.endswith(".py"):
            return False
        if not self.exe and os.access(path, os.X_OK):
            return False
        return self.matches(base)

    def want_dir(self, path):
        tail = os.path.basename(path)
        if names.is_package_dir(path):
            return True
        return self.matches(tail) or tail in names.SRC_DIRS

    def entries(self, folder):
        try:
            items = sorted(os.listdir(folder))
        except OSError:
            return []
        # nose's order: what does not match the pattern first.
        return sorted(items, key=lambda e: bool(self.matches(e)))

    def load_dir(self, folder, out_contexts, out_tests):
        for entry in self.entries(folder):
            if entry.startswith("."):
                continue
            path = os.path.join(folder, entry)
            if os.path.isfile(path):
                if self.want_file(path):
                    self.load_module_file(path, out_contexts, out_tests)
            elif os.path.isdir(path):
                if entry.startswith("_") or not self.want_dir(path):
                    continue
                if names.is_package_dir(path):
                    self.load_package(path, out_contexts, out_tests)
                else:
                    self.load_dir(path, out_contexts, out_tests)

    # ---- modules ----
    def import_(self, path, out_tests):
        root, dotted = names.import_root(path)
        if root not in sys.path:
            sys.path.insert(0, root)
        try:
            __import__(dotted)
            return root, dotted, sys.modules[dotted]
        except KeyboardInterrupt:
            raise
        except BaseException:
            # nose: a module that fails to import is one failing test.
            out_tests.append({"name": dotted.rsplit(".", 1)[-1], "root": root,
                              "address": dotted, "import_error": True})
            return root, dotted, None

    def context(self, kind, obj, name, root, address):
        try:
            mode = names.mode(obj, "module %s" % address.split(":")[0]
                              if kind != "class" else "class %s" % address)
        except names.ModeError as e:
            self.errors.append(str(e))
            mode = ""
        return {"kind": kind, "name": name, "root": root, "address": address, "mode": mode,
                "setup": names.fixture(obj, kind, "setup") is not None,
                "teardown": names.fixture(obj, kind, "teardown") is not None,
                "contexts": [], "tests": []}

    def load_package(self, path, out_contexts, out_tests):
        root, dotted, module = self.import_(path, out_tests)
        if module is None:
            return
        ctx = self.context("package", module, dotted.rsplit(".", 1)[-1], root, dotted)
        if self.want_module(module):
            self.load_module_tests(module, root, dotted, ctx)
        self.load_dir(path, ctx["contexts"], ctx["tests"])
        out_contexts.append(ctx)

    def load_module_file(self, path, out_contexts, out_tests):
        root, dotted, module = self.import_(path, out_tests)
        if module is None or not self.want_module(module):
            return
        ctx = self.context("module", module, dotted.rsplit(".", 1)[-1], root, dotted)
        self.load_module_tests(module, root, dotted, ctx)
        out_contexts.append(ctx)

    def want_module(self, module):
        declared = getattr(module, "__test__", None)
        if declared is not None:
            return bool(declared)
        return self.matches(module.__name__.rsplit(".", 1)[-1])

    def want_class(self, cls):
        declared = getattr(cls, "__test__", None)
        if declared is not None:
            return bool(declared)
        return not cls.__name__.startswith("_") and \
            (issubclass(cls, unittest.TestCase) or self.matches(cls.__name__))

    def want_function(self, name, func):
        declared = getattr(func, "__test__", None)
        if declared is not None:
            return bool(declared)
        return not name.startswith("_") and self.matches(name)

    def load_module_tests(self, module, root, dotted, ctx):
        classes, funcs = [], []
        for name in dir(module):
            item = getattr(module, name, None)
            if inspect.isclass(item):
                if self.want_class(item):
                    classes.append(item)
            elif inspect.isfunction(item) and self.want_function(name, item):
                funcs.append(item)
        classes.sort(key=lambda c: c.__name__)
        funcs.sort(key=lambda f: getattr(getattr(f, "__code__", None), "co_firstlineno", 0))
        for cls in classes:
            address = "%s:%s" % (dotted, cls.__name__)
            cctx = self.context("class", cls, cls.__name__, root, address)
            for meth in self.methods(cls):
                maddress = "%s.%s" % (address, meth)
                if not issubclass(cls, unittest.TestCase) and \
                        inspect.isgeneratorfunction(getattr(cls, meth)):
                    self.generator(meth, root, maddress, cctx)
                else:
                    cctx["tests"].append({"name": meth, "root": root, "address": maddress})
            if cctx["tests"] or cctx["contexts"]:
                ctx["contexts"].append(cctx)
        for func in funcs:
            address = "%s:%s" % (dotted, func.__name__)
            if inspect.isgeneratorfunction(func):
                self.generator(func.__name__, root, address, ctx)
            else:
                ctx["tests"].append({"name": func.__name__, "root": root, "address": address})

    def methods(self, cls):
        found = []
        for name in dir(cls):
            item = getattr(cls, name, None)
            if not inspect.isfunction(item) and not inspect.ismethod(item):
                continue
            if self.want_function(name, item):
                found.append(name)
        if not found and issubclass(cls, unittest.TestCase) and hasattr(cls, "runTest"):
            found = ["runTest"]
        return sorted(found)

    def generator(self, name, root, address, ctx):
        """A test generator: a context of its own whose tests are listed
        during the run, on an agent (`generate`, execute.py), and join it
        as they come (docs/python.md)."""
        ctx["contexts"].append({"kind": "generator", "name": name, "root": root,
                                "address": address, "mode": "", "setup": False,
                                "teardown": False, "contexts": [], "tests": []})


def main(argv):
    p = argparse.ArgumentParser(prog="fanout_nose discover")
    # nose read its pattern from NOSE_TESTMATCH too (the option wins).
    p.add_argument("--match", default=os.environ.get("NOSE_TESTMATCH") or names.DEFAULT_MATCH)
    p.add_argument("--exe", action="store_true")
    p.add_argument("path")
    a = p.parse_args(argv)
    try:
        finder = Finder(a.match, a.exe)
    except re.error as e:
        sys.stderr.write("bad --match: %s\n" % e)
        return 2
    contexts, tests = [], []
    path = os.path.abspath(a.path)
    # What the tests print while imported must not mix with the JSON.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        if os.path.isdir(path):
            if names.is_package_dir(path):
                finder.load_package(path, contexts, tests)
            else:
                finder.load_dir(path, contexts, tests)
        elif os.path.isfile(path):
            finder.load_module_file(path, contexts, tests)
        else:
            sys.stderr.write("no such file or folder: %s\n" % a.path)
            return 2
    finally:
        sys.stdout = real_stdout
    # json.dumps, not json.dump: only the one-shot form uses the C
    # encoder (dump streams through the pure-Python one: 62 of the 178 ms
    # of discovering 2,000 tests in 40 modules).
    sys.stdout.write(json.dumps({"format": FORMAT_VERSION, "contexts": contexts, "tests": tests,
                                 "errors": finder.errors}))
    sys.stdout.write("\n")
    from fanout_nose import forkserver
    forkserver.start_from_discovery()
    return 0
