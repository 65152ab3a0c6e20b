"""What nose calls what: its default test pattern, the names of fixtures
per kind of context, and how a context's attributes choose its mode.
Shared by discover.py and execute.py so both read a suite alike."""
import os
import re
import unittest

# nose's default testMatch (nose.config.Config): a word starting with
# "test" or "Test" at the start or after _ . - or the path separator.
DEFAULT_MATCH = r"(?:^|[\b_\./-])[Tt]est"

# nose.suite.ContextSuite's names, in the order nose tries them.
PACKAGE_SETUP = ("setup", "setUp", "setup_package", "setUpPackage", "setupPackage")
PACKAGE_TEARDOWN = ("teardown", "tearDown", "teardown_package", "tearDownPackage",
                    "teardownPackage")
MODULE_SETUP = ("setup_module", "setupModule", "setUpModule", "setup", "setUp")
MODULE_TEARDOWN = ("teardown_module", "teardownModule", "tearDownModule", "teardown",
                   "tearDown")
CLASS_SETUP = ("setup_class", "setup_all", "setupClass", "setupAll", "setUpClass", "setUpAll")
CLASS_TEARDOWN = ("teardown_class", "teardown_all", "teardownClass", "teardownAll",
                  "tearDownClass", "tearDownAll")
# A test function's (with_setup) and a test class instance's own.
TEST_SETUP = ("setup", "setUp")
TEST_TEARDOWN = ("teardown", "tearDown")

IGNORE_FILES = (re.compile(r"^\."), re.compile(r"^_"), re.compile(r"^setup\.py$"))
SRC_DIRS = ("lib", "src")


def is_package_dir(path):
    return os.path.isfile(os.path.join(path, "__init__.py")) and \
        os.path.basename(path).isidentifier()


def import_root(path):
    """The folder to put on sys.path to import the file or package path
    by its dotted name (as nose's importer: up while the folder is a
    package), and that name."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        folder, name = path, None
    else:
        folder, base = os.path.split(path)
        name = os.path.splitext(base)[0]
        if name == "__init__":
            name = None
    parts = [name] if name else []
    while is_package_dir(folder):
        folder, part = os.path.split(folder)
        parts.insert(0, part)
    return folder, ".".join(parts)


def _own(ctx, name):
    """ctx's attribute name when it is a fixture worth running: for a
    unittest.TestCase, the inherited no-op setUpClass/tearDownClass are
    none."""
    if isinstance(ctx, type) and issubclass(ctx, unittest.TestCase) and \
            name in ("setUpClass", "tearDownClass"):
        mine = getattr(ctx, name, None)
        base = getattr(unittest.TestCase, name)
        if getattr(mine, "__func__", None) is getattr(base, "__func__", base):
            return None
    return getattr(ctx, name, None)


def fixture(ctx, kind, which):
    """The setup (which "setup") or teardown function of a context, as nose
    finds it (the first of its names that is there), or None."""
    names = {
        ("package", "setup"): PACKAGE_SETUP, ("package", "teardown"): PACKAGE_TEARDOWN,
        ("module", "setup"): MODULE_SETUP, ("module", "teardown"): MODULE_TEARDOWN,
        ("class", "setup"): CLASS_SETUP, ("class", "teardown"): CLASS_TEARDOWN,
    }[(kind, which)]
    for name in names:
        f = _own(ctx, name)
        if f is not None and callable(f):
            return f
    return None


class ModeError(Exception):
    pass


def mode(ctx, where):
    """'split', 'shared', 'serial', 'split serial', 'shared serial' or ''
    from a context's attributes; ModeError when it asks for split and
    shared at once."""
    split = bool(getattr(ctx, "_multiprocess_can_split_", False))
    shared = bool(getattr(ctx, "_multiprocess_shared_", False))
    if split and shared:
        raise ModeError("%s sets both _multiprocess_can_split_ and _multiprocess_shared_"
                        % where)
    words = ["split"] if split else ["shared"] if shared else []
    if getattr(ctx, "_multiprocess_", True) is False:
        words.append("serial")
    return " ".join(words)
