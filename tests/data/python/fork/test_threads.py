"""Starts a thread at import that lives on: a fork of this process would
lack it, so the discovery declines to become a fork server."""
import os
import threading
import time

with open(os.path.join(os.environ["MARK_DIR"], "marks"), "a") as f:
    f.write("import %d\n" % os.getpid())

threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()


def test_ok():
    pass
