"""The live view through a pseudo-terminal (test_live_view.sh runs it).

    live_view.py SCENARIO FANOUT SUITE WORKDIR

Runs fanout on a pty of 80x24 (TERM=xterm), reads everything it writes,
and checks what a terminal would show. Scenarios:

  run      the run ends on its own: a status area is drawn, a failure
           scrolls with its id, host and first lines of output, the cursor
           is hidden while the area is drawn and shown again at the end,
           nothing moves the cursor after that, no line of the area is
           wider than the window minus one (the long name is cut with an
           ellipsis), and the summary ends the output
  resize   the window shrinks to 40x20 while tests run: the next frame
           moves up by the rows the old area takes at the new width (a
           rewrapping terminal), and every later line of the area fits 39
           columns
  logs     FANOUT_LOG=debug: every diagnostic written while the view draws
           scrolls above the area, none lands inside it
  intr     Ctrl-C (the terminal's interrupt character) while tests run:
           the note shows above the area, the run ends with status 130,
           the area is gone, the cursor is shown, INTERRUPTED
  intr2    Ctrl-C twice, the second while the run waits for tests that
           ignore SIGTERM (stubborn.yml): both notes show above the area,
           the run ends at once, 130, the terminal as it was found

Python standard library only; no timing in any assertion: every wait is
for something the output shows, bounded by 30 s (a hang fails).
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

SGR = re.compile(rb"\x1b\[[0-9;]*m")
CSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
LIMIT_S = 30


def fail(msg, out=b""):
    sys.stderr.write("FAIL: %s\n" % msg)
    if out:
        sys.stderr.write("--- output (repr, last 3000 bytes) ---\n%r\n" % out[-3000:])
    sys.exit(1)


class Pty:
    def __init__(self, argv, cols, rows, env):
        self.out = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(argv[0], argv, env)
        self.resize(cols, rows)
        self.status = None

    def resize(self, cols, rows):
        # On the master: the kernel sends SIGWINCH to the foreground group.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:         # EIO: the child closed the terminal
            data = b""
        if not data:
            return None
        self.out += data
        return True

    def wait_for(self, pred, what):
        deadline = time.monotonic() + LIMIT_S
        while not pred():
            if time.monotonic() > deadline:
                fail("waited %d s for %s" % (LIMIT_S, what), self.out)
            if self.read_some(0.2) is None:
                if not pred():
                    fail("fanout ended before %s" % what, self.out)
                return

    def finish(self):
        deadline = time.monotonic() + LIMIT_S
        while self.read_some(0.2) is not None:
            if time.monotonic() > deadline:
                fail("fanout did not end within %d s" % LIMIT_S, self.out)
        _, st = os.waitpid(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(st)
        os.close(self.fd)
        return self.status

    def send(self, data):
        os.write(self.fd, data)


def frames(out):
    """The status areas drawn: the text after each erase (ESC[J) up to the
    next cursor move up or the end, split into lines, SGR removed."""
    areas = []
    for m in re.finditer(rb"\x1b\[J", out):
        rest = out[m.end():]
        stop = re.search(rb"\r(\x1b\[\d+A)?\x1b\[J", rest)
        chunk = rest[:stop.start()] if stop else rest
        areas.append(chunk)
    return areas


def width(line):
    return len(SGR.sub(b"", line).decode("utf-8", "replace"))


def area_lines(chunk):
    """The lines of the status area in a frame: the chunk's last lines
    from the first that starts the area ('N/M done')."""
    lines = SGR.sub(b"", chunk).split(b"\r\n")
    for i, l in enumerate(lines):
        if re.match(rb"\d+/\d+ done", l):
            return [x for x in lines[i:] if x]
    return []


def check_area_fits(out, cols, what):
    for chunk in frames(out):
        for line in area_lines(chunk):
            if b"\x1b" in line or width(line) > cols - 1:
                fail("%s: a line of the area is %d columns wide (window %d): %r"
                     % (what, width(line), cols, line), out)


def check_restored(out, what):
    last_hide = out.rfind(b"\x1b[?25l")
    last_show = out.rfind(b"\x1b[?25h")
    if last_hide < 0:
        fail("%s: the cursor was never hidden (no live view?)" % what, out)
    if last_show < last_hide:
        fail("%s: the cursor is left hidden" % what, out)
    tail = out[last_show:]
    if re.search(rb"\x1b\[\d*[ABJ]", tail):
        fail("%s: the cursor moves after the view ended" % what, out)


def main():
    scenario, fanout, suite, work = sys.argv[1:5]
    env = dict(os.environ, TERM="xterm", ITEST_DIR=work)
    env.pop("NO_COLOR", None)
    env.pop("CLICOLOR_FORCE", None)
    release = os.path.join(work, "release")
    long_id = b"a-test-whose-name-is-much-longer"
    if scenario == "intr2":
        suite = os.path.join(os.path.dirname(suite), "stubborn.yml")
    if scenario == "logs":
        env["FANOUT_LOG"] = "debug"
    t = Pty([fanout, "run", "-j", "2", suite], 80, 24, env)
    running_both = lambda: (b"waits [" in t.out and long_id in t.out
                            and b"\xe2\x80\xa6" in t.out)

    if scenario == "run":
        t.wait_for(lambda: b"FAIL" in t.out and running_both(), "the failure and two tests running")
        open(release, "w").close()
        rc = t.finish()
        out = t.out
        if rc != 1:
            fail("exit status %r, expected 1" % rc, out)
        if not re.search(rb"FAIL\S*\s+(\x1b\[0m)? fails \[on [^]]+\] \(", out):
            fail("the failure did not scroll with its id and host", out)
        if b"| err-line-1" not in out or b"| err-line-2" not in out:
            fail("the failure's first lines of output did not scroll", out)
        if not re.search(rb"\d+/4 done", out) or b"running" not in out:
            fail("no status area", out)
        check_area_fits(out, 80, "80 columns")
        check_restored(out, "run")
        if not out.rstrip(b"\r\n").endswith(b"3 passed, 1 failed, 0 errors, 0 skipped"):
            fail("the summary's last line does not end the output", out)
        if b"\x1b[31m" not in out:
            fail("no colours on a terminal", out)

    elif scenario == "resize":
        t.wait_for(running_both, "two tests running")
        mark = len(t.out)
        # the area as last drawn at 80 columns: its lines' widths
        before = area_lines(frames(t.out)[-1])
        t.resize(40, 20)
        t.wait_for(lambda: len(frames(t.out[mark:])) >= 2, "two frames after the resize")
        after = t.out[mark:]
        m = re.search(rb"\r\x1b\[(\d+)A\x1b\[J", after)
        if not m:
            fail("no frame moved up after the resize", t.out)
        want = sum(max(1, -(-width(l) // 40)) for l in before)
        if int(m.group(1)) != want:
            fail("the first frame after the resize moved up %s rows, the old area takes %d at "
                 "40 columns (%r)" % (m.group(1).decode(), want, before), t.out)
        check_area_fits(after[m.start():], 40, "40 columns")
        open(release, "w").close()
        rc = t.finish()
        if rc != 1:
            fail("exit status %r, expected 1" % rc, t.out)
        check_restored(t.out, "resize")

    elif scenario == "intr":
        t.wait_for(running_both, "two tests running")
        mark = len(t.out)
        t.send(termios.tcgetattr(t.fd)[6][termios.VINTR])
        rc = t.finish()
        out = t.out
        if rc != 130:
            fail("exit status %r after Ctrl-C, expected 130" % rc, out)
        after = out[mark:]
        note = after.find(b"fanout: interrupted: stopping the run")
        if note < 0:
            fail("the interrupt's note is not shown", out)
        # the note scrolled in a frame: written where the area was (right
        # after its erase) or below another scrolled line, on a line of
        # its own
        if not (after[:note].endswith(b"\x1b[J") or after[:note].endswith(b"\r\n")) \
                or after.rfind(b"\x1b[J", 0, note) < 0:
            fail("the note was not written above the area", out)
        check_restored(out, "intr")
        if not re.search(rb"\r\n(\x1b\[\d+m)?INTERRUPTED(\x1b\[0m)?\r\n", out):
            fail("no INTERRUPTED verdict", out)

    elif scenario == "logs":
        # FANOUT_LOG=debug: diagnostics while the view draws scroll above
        # the area (stderr is the same terminal), never into it
        t.wait_for(running_both, "two tests running")
        open(release, "w").close()
        rc = t.finish()
        out = t.out
        if rc != 1:
            fail("exit status %r, expected 1" % rc, out)
        first = out.find(b"\x1b[?25l")
        last = out.rfind(b"\x1b[?25h")
        inside = out[first:last]
        if not re.search(rb"fanout (broker|agent): (debug|info): ", inside):
            fail("no log line while the view drew (FANOUT_LOG=debug)", out)
        for chunk in re.split(rb"\r\x1b\[\d+A\x1b\[J", inside):
            lines = SGR.sub(b"", chunk).split(b"\r\n")
            start = next((i for i, l in enumerate(lines) if re.match(rb"\d+/\d+ done", l)), None)
            if start is not None and any(l.startswith(b"fanout ") for l in lines[start:]):
                fail("a log line was written into the status area: %r" % lines[start:], out)
        check_restored(out, "logs")

    elif scenario == "intr2":
        # stubborn.yml's tests ignore SIGTERM: after the first interrupt the
        # run waits for them, and the view still draws when the second
        # comes, which ends the run at once
        t.wait_for(running_both, "two tests running")
        intr = termios.tcgetattr(t.fd)[6][termios.VINTR]
        t.send(intr)
        t.wait_for(lambda: b"stopping the run" in t.out and b"stopping\x1b" in t.out,
                   "the first note and the area saying so")
        # past fanout's window for a doubled signal (250 ms): the second
        # must count
        time.sleep(0.3)
        t.send(intr)
        rc = t.finish()
        out = t.out
        if rc != 130:
            fail("exit status %r, expected 130" % rc, out)
        note = out.find(b"fanout: interrupted again")
        if note < 0 or not (out[:note].endswith(b"\x1b[J") or out[:note].endswith(b"\r\n")):
            fail("the second note was not written above the area", out)
        check_restored(out, "intr2")
        if not re.search(rb"\r\n(\x1b\[\d+m)?INTERRUPTED(\x1b\[0m)?\r\n", out):
            fail("no INTERRUPTED verdict", out)
    else:
        fail("no scenario %r" % scenario)
    print("ok %s" % scenario)


main()
