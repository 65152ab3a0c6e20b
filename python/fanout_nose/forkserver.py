"""The discovery helper as a fork server (docs/python-workers.md, "Forked
from the discovery"). nose's worker processes were forked from its main
process after it had imported the suite; fanout's discovery helper has
imported every module too. When fanout hands it one end of a socket pair
as fd FANOUT_PYFORK_FD (lib/proc/fo_pyfork.c), `discover` prints its JSON,
then forks a copy of itself that stays alive for the run (the discovery
itself exits as before), and every Python worker of the local agent and
every shared context's setup and teardown the broker runs is forked from
that copy instead of started as a new interpreter: its imports are done.

Messages (SOCK_SEQPACKET, one datagram each, at most MAX_MESSAGE bytes):

    -> "ready PID"           the server is up (PID: its own)
    -> "declined REASON"     no server (threads started at import, ...)
    <- "fork\\0CWD\\0ARGC\\0ARG\\0...ENV\\0..."   with SCM_RIGHTS: the
                             child's stdout and stderr, and a gate
    -> "pid PID" | "error TEXT"   (error: not forked, fanout spawns)

A fork is double: the server forks an intermediate, which forks the child
and exits, so the child is re-parented to fanout (a child subreaper) before
the server answers; fanout then watches, times out, kills and reaps it as
any process it spawned. The child leads its own process group, then waits
for "g" on the gate: fanout writes it once it tracks the pid (a sweep of
orphans must never take the child for one). The child gets what fanout's own spawn gives: its own process group, default
signal dispositions and an empty mask, stdin /dev/null, the two fds as
stdout and stderr, nothing else open, CWD, exactly ENV as its environment.
Then it runs ARGV[2:] as `python3 HELPER ARGV[2:]...` would.

End of file on the socket (fanout closed it or exited): the server exits.
"""
import array
import os
import signal
import socket
import sys
import threading
import traceback

MAX_MESSAGE = 128 * 1024
MAX_ARGS = 4096
FD_VAR = "FANOUT_PYFORK_FD"


def _reply(sock, text):
    try:
        sock.send(text.encode("utf-8", "replace")[:512])
    except OSError:
        pass


def start_from_discovery():
    """Called by `discover` once its JSON is out. Forks the server when
    fanout asked for one; the caller (the discovery) then exits."""
    fd_text = os.environ.pop(FD_VAR, None)
    if fd_text is None:
        return
    try:
        fd = int(fd_text)
        sock = socket.socket(fileno=fd)
    except (ValueError, OSError):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    # A fork copies only the thread that forks: a thread a module started
    # at import would be missing, half-held locks and all, in each copy.
    if threading.active_count() > 1:
        _reply(sock, "declined a module started threads at import")
        sock.close()
        return
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(wfd)
        os.read(rfd, 1)             # the server left our process group
        os.close(rfd)
        sock.close()
        return
    try:
        os.close(rfd)
        # Its own session: fo_proc kills the discovery's process group
        # once the discovery has exited, and no terminal signal is ours.
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        if null > 2:
            os.close(null)
        _reply(sock, "ready %d" % os.getpid())
        os.write(wfd, b"x")
        os.close(wfd)
        # What every worker and keeper imports first (msgpack, the step
        # runner), imported once here while fanout plans the run, not
        # after each fork.
        try:
            from fanout_nose import keeper, worker     # noqa: F401
        except ImportError:
            pass
        _serve(sock)
    except BaseException:
        pass
    os._exit(0)


def _parse(data):
    """(cwd, argv, env) of a fork request, or raise ValueError."""
    parts = data.split(b"\0")
    if len(parts) < 4 or parts[0] != b"fork" or parts[-1] != b"":
        raise ValueError("not a fork request")
    cwd = os.fsdecode(parts[1])
    argc = int(parts[2])
    if argc < 3 or argc > MAX_ARGS or 3 + argc > len(parts) - 1:
        raise ValueError("bad argument count")
    argv = [os.fsdecode(p) for p in parts[3:3 + argc]]
    env = {}
    for entry in parts[3 + argc:-1]:
        key, sep, value = entry.partition(b"=")
        if not sep or not key:
            raise ValueError("bad environment entry")
        env[os.fsdecode(key)] = os.fsdecode(value)
    return cwd, argv, env


def _serve(sock):
    fd_size = array.array("i").itemsize
    while True:
        try:
            data, anc, flags, _ = sock.recvmsg(MAX_MESSAGE + 1, socket.CMSG_SPACE(3 * fd_size))
        except InterruptedError:
            continue
        except OSError:
            return
        fds = array.array("i")
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fd_size])
        if not data and not anc:
            return                  # end of file: fanout is done with us
        try:
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC) or len(data) > MAX_MESSAGE:
                raise ValueError("message too long")
            if len(fds) != 3:
                raise ValueError("a fork request carries three descriptors")
            cwd, argv, env = _parse(data)
            _reply(sock, _fork(cwd, argv, env, list(fds)))
        except (ValueError, UnicodeError, OSError) as e:
            _reply(sock, "error %s" % e)
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass


def _fork(cwd, argv, env, fds):
    """Forks the child through an intermediate, which exits at once (the
    child is fanout's then); "pid N" or "error TEXT"."""
    rfd, wfd = os.pipe()
    mid = os.fork()
    if mid == 0:
        code = 1
        try:
            os.close(rfd)
            os.chdir(cwd)           # fails here: fanout spawns and says why
            child = os.fork()
            if child == 0:
                os.close(wfd)
                _child(argv, env, fds)      # never returns
            try:
                os.setpgid(child, child)    # as the child does: whoever is first
            except OSError:
                pass
            os.write(wfd, b"%d" % child)
            code = 0
        except BaseException as e:
            try:
                os.write(wfd, b"error " + str(e).encode("utf-8", "replace")[:400])
            except OSError:
                pass
        os._exit(code)
    os.close(wfd)
    answer = b""
    while True:
        chunk = os.read(rfd, 512)
        if not chunk:
            break
        answer += chunk
    os.close(rfd)
    # Reaped: the child is fanout's now (re-parented when mid exited).
    os.waitpid(mid, 0)
    if answer.isdigit():
        return "pid %s" % answer.decode()
    return answer.decode("utf-8", "replace") or "error the fork failed"


def _child(argv, env, fds):
    out_fd, err_fd, gate = fds
    status = 1
    try:
        # First (the intermediate does it too): fanout signals our group.
        os.setpgid(0, 0)
        # Then nothing until fanout has taken note of our pid (fo_reaper:
        # a sweep must not take us for an orphan): it writes "g" to the
        # gate. End of file without it: fanout gave us up.
        if os.read(gate, 1) != b"g":
            os._exit(1)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_IGN)      # drops what is pending
            signal.signal(sig, signal.SIG_DFL)
        # As a new interpreter has them: Python's own SIGINT handler,
        # SIGPIPE ignored (Python sets both at start).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") < 65536 else 65536)
        os.environ.clear()
        os.environ.update(env)
        # sys.stdout and sys.stderr still write to fds 1 and 2, now the
        # step's (the server flushed them before it forked).
        sys.argv = argv[1:]
        from fanout_nose import __main__ as helper
        status = helper.main(argv[2:])
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        try:
            traceback.print_exc()
        except BaseException:
            pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(status if isinstance(status, int) else 1)
