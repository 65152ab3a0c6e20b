"""A shared context's fixture process (docs/python-workers.md, "Shared
contexts"): nose ran a shared context's setup and teardown in its main
process, one interpreter that lived through the run; fanout's broker runs
each fixture as a command. The setup step forks a *keeper* that leaves the
step's process group (setsid), runs the setup and stays alive; the step
exits with the setup's verdict and exports where the keeper listens (a
Unix socket in a private folder) as PY_FANOUT_KEEPER_<hash of the
context>. The teardown step, which receives the exports, asks the keeper
to run the teardown in the same interpreter, prints what it answers and
exits with its verdict; the keeper exits. Without a keeper to ask (no
variable: the setup ran elsewhere), the teardown runs in its own process.

A keeper whose broker is gone (the process that started the setup step)
runs the teardown itself and exits; one that the run's end finds is swept
with the broker's own processes (it keeps the broker's FANOUT_STEP_TOKEN).
"""
import json
import os
import select
import socket
import sys
import traceback

POLL_S = 1.0


def _sha1(data):
    # The built-in module when there is one: hashlib loads OpenSSL, which
    # costs a helper process more than the rest of its start.
    try:
        import _sha1
        return _sha1.sha1(data).hexdigest()
    except ImportError:
        import hashlib
        return hashlib.sha1(data).hexdigest()


def var_name(address):
    return "PY_FANOUT_KEEPER_" + _sha1(address.encode())[:16].upper()


def _private_folder():
    """A new folder only this user can enter, under $TMPDIR or /tmp."""
    base = os.environ.get("TMPDIR") or "/tmp"
    while True:
        path = os.path.join(base, "fanout-keeper-" + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


def _remove(folder):
    try:
        os.unlink(os.path.join(folder, "sock"))
    except OSError:
        pass
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _fixture(run, which):
    """(status, out, err) of run(which) in this process, captured."""
    from fanout_nose import execute
    err = ""
    with execute.Capture() as cap:
        try:
            run(which)
            status = 0
        except BaseException:
            err = traceback.format_exc()
            status = 1
    return status, cap.out.getvalue(), cap.stderr_text() + err


def setup(address, run):
    """Forks the keeper, which runs run("setup") and then serves the
    teardown; returns the setup's (status, out, err)."""
    folder = _private_folder()
    path = os.path.join(folder, "sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    broker = os.getppid()
    rfd, wfd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:                                    # the keeper
        os.close(rfd)
        os.setsid()
        status, out, err = _fixture(run, "setup")
        os.write(wfd, json.dumps({"status": status, "out": out, "err": err}).encode())
        os.close(wfd)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if status == 0:
            _serve(server, run, broker)
        _remove(folder)
        os._exit(0)
    os.close(wfd)
    server.close()
    data = b""
    while True:
        chunk = os.read(rfd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(rfd)
    try:
        answer = json.loads(data.decode())
    except ValueError:
        return 1, "", "fanout_nose: the keeper of %s died during its setup\n" % address
    if answer["status"] == 0 and os.environ.get("FANOUT_EXPORT"):
        with open(os.environ["FANOUT_EXPORT"], "a") as f:
            f.write("%s=%s\n" % (var_name(address), path))
    return answer["status"], answer["out"], answer["err"]


def _serve(server, run, broker):
    while True:
        ready, _, _ = select.select([server], [], [], POLL_S)
        if not ready:
            try:
                os.kill(broker, 0)
                continue
            except OSError:
                _fixture(run, "teardown")           # the broker is gone
                return
        conn, _ = server.accept()
        with conn:
            request = conn.recv(64)
            if request.strip() != b"teardown":
                continue
            status, out, err = _fixture(run, "teardown")
            conn.sendall(json.dumps({"status": status, "out": out, "err": err}).encode())
        return


def teardown(address):
    """The keeper's teardown: (status, out, err), or None when there is no
    keeper to ask."""
    path = os.environ.get(var_name(address))
    if not path or not os.path.exists(path):
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.sendall(b"teardown\n")
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        return 1, "", "fanout_nose: cannot reach the keeper of %s: %s\n" % (address, e)
    finally:
        conn.close()
    try:
        answer = json.loads(data.decode())
    except ValueError:
        return 1, "", "fanout_nose: the keeper of %s died during its teardown\n" % address
    return answer["status"], answer["out"], answer["err"]
