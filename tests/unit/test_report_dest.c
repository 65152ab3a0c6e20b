/*  Tests for fo_report_dest: every kind of destination a report path can
    name, checked before the run and written after it, with real files,
    symlinks, a FIFO and devices. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fo_report_dest.h"
#include "fo_util.h"

typedef struct {
    char dir[64];
} scratch;

static int
s_setup (void **state)
{
    scratch *s = fo_xcalloc (1, sizeof *s);
    snprintf (s->dir, sizeof s->dir, "/tmp/fo-test-dest-XXXXXX");
    if (!mkdtemp (s->dir))
        return -1;
    *state = s;
    return 0;
}

static int
s_teardown (void **state)
{
    scratch *s = *state;
    char *cmd = fo_xasprintf ("rm -rf '%s'", s->dir);
    int rc = system (cmd);
    free (cmd);
    free (s);
    return rc == 0 ? 0 : -1;
}

static char *
path_in (const scratch *s, const char *name)
{
    return fo_xasprintf ("%s/%s", s->dir, name);
}

static void
write_file (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (text, f);
    assert_int_equal (fclose (f), 0);
}

static char *
read_file (const char *path)
{
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char buf[4096];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = '\0';
    return fo_xstrdup (buf);
}

static size_t
entries (const scratch *s)
{
    char *cmd = fo_xasprintf ("ls -A '%s' | wc -l", s->dir);
    FILE *p = popen (cmd, "r");
    free (cmd);
    assert_non_null (p);
    size_t n = 0;
    assert_int_equal (fscanf (p, "%zu", &n), 1);
    pclose (p);
    return n;
}

static void
write_report (fo_report_dest *dest, const char *text)
{
    char err[256] = "";
    FILE *f = fo_report_dest_stream (dest, err, sizeof err);
    assert_non_null (f);
    fputs (text, f);
    assert_int_equal (fo_report_dest_commit (dest, err, sizeof err), 0);
}

/* A missing file: the check leaves nothing behind, the path appears only
   when the report is complete, and nothing else is left. */
static void
test_new_file (void **state)
{
    scratch *s = *state;
    char *path = path_in (s, "r.json");
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open (path, "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    assert_int_equal (access (path, F_OK), -1);
    assert_int_equal (entries (s), 0);          /* nothing until it is written */
    write_report (dest, "{}\n");
    fo_report_dest_destroy (&dest);
    char *got = read_file (path);
    assert_string_equal (got, "{}\n");
    assert_int_equal (entries (s), 1);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0644);
    free (got);
    free (path);
}

/* A check that is never written leaves nothing behind. */
static void
test_uncommitted_leaves_nothing (void **state)
{
    scratch *s = *state;
    char *path = path_in (s, "r.json");
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open (path, "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    fo_report_dest_destroy (&dest);
    assert_int_equal (entries (s), 0);
    free (path);
}

/* An existing regular file is replaced atomically: a new inode. */
static void
test_replace_regular (void **state)
{
    scratch *s = *state;
    char *path = path_in (s, "r.json");
    write_file (path, "old\n");
    struct stat before, after;
    assert_int_equal (stat (path, &before), 0);
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open (path, "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    char *got = read_file (path);
    assert_string_equal (got, "old\n");         /* untouched until written */
    free (got);
    write_report (dest, "new\n");
    fo_report_dest_destroy (&dest);
    assert_int_equal (stat (path, &after), 0);
    assert_true (before.st_ino != after.st_ino);
    got = read_file (path);
    assert_string_equal (got, "new\n");
    free (got);
    free (path);
}

/* A symlink stays a symlink: its target gets the report. */
static void
test_symlink_in_place (void **state)
{
    scratch *s = *state;
    char *target = path_in (s, "target.json");
    char *link = path_in (s, "link.json");
    write_file (target, "old content that is longer\n");
    assert_int_equal (symlink (target, link), 0);
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open (link, "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    write_report (dest, "new\n");
    fo_report_dest_destroy (&dest);
    struct stat st;
    assert_int_equal (lstat (link, &st), 0);
    assert_true (S_ISLNK (st.st_mode));
    char *got = read_file (target);
    assert_string_equal (got, "new\n");         /* truncated, not appended */
    free (got);
    assert_int_equal (entries (s), 2);
    free (target);
    free (link);
}

/* A FIFO is written in place: a reader gets the report, and the FIFO is
   still a FIFO afterwards. */
static void
test_fifo_in_place (void **state)
{
    scratch *s = *state;
    char *fifo = path_in (s, "fifo");
    char *copy = path_in (s, "copy");
    assert_int_equal (mkfifo (fifo, 0600), 0);
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open (fifo, "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        execlp ("sh", "sh", "-c", "cat \"$0\" > \"$1\"", fifo, copy, (char *) NULL);
        _exit (127);
    }
    write_report (dest, "through the fifo\n");
    fo_report_dest_destroy (&dest);
    int status;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    char *got = read_file (copy);
    assert_string_equal (got, "through the fifo\n");
    free (got);
    struct stat st;
    assert_int_equal (lstat (fifo, &st), 0);
    assert_true (S_ISFIFO (st.st_mode));
    free (fifo);
    free (copy);
}

/* A device is written, never replaced; /dev/full fails at the end with
   the reason. */
static void
test_devices (void **state)
{
    (void) state;
    char err[256] = "";
    fo_report_dest *dest = fo_report_dest_open ("/dev/null", "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    write_report (dest, "gone\n");
    fo_report_dest_destroy (&dest);
    struct stat st;
    assert_int_equal (stat ("/dev/null", &st), 0);
    assert_true (S_ISCHR (st.st_mode));

    dest = fo_report_dest_open ("/dev/full", "--json", NULL, err, sizeof err);
    assert_non_null (dest);
    FILE *f = fo_report_dest_stream (dest, err, sizeof err);
    assert_non_null (f);
    fputs ("does not fit\n", f);
    assert_int_equal (fo_report_dest_commit (dest, err, sizeof err), -1);
    assert_string_equal (err, "cannot write report '/dev/full': No space left on device");
    fo_report_dest_destroy (&dest);
}

/* "-" and a path naming our own stdout write to the descriptor, after
   what is already there (console output is never truncated). */
static void
test_stdout (void **state)
{
    scratch *s = *state;
    char *out = path_in (s, "stdout.txt");
    fflush (stdout);
    int saved = dup (STDOUT_FILENO);
    int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true (fd >= 0 && saved >= 0);
    dup2 (fd, STDOUT_FILENO);
    close (fd);
    printf ("console\n");
    char err[256] = "";
    fo_report_dest *a = fo_report_dest_open ("-", "--json", NULL, err, sizeof err);
    fo_report_dest *b = fo_report_dest_open ("/dev/stdout", "--json", NULL, err, sizeof err);
    fo_report_dest *c = fo_report_dest_open (out, "--json", NULL, err, sizeof err);
    if (a)
        write_report (a, "one\n");
    if (b)
        write_report (b, "two\n");
    if (c)
        write_report (c, "three\n");
    fflush (stdout);
    dup2 (saved, STDOUT_FILENO);
    close (saved);
    assert_non_null (a);
    assert_non_null (b);
    assert_non_null (c);
    fo_report_dest_destroy (&a);
    fo_report_dest_destroy (&b);
    fo_report_dest_destroy (&c);
    char *got = read_file (out);
    assert_string_equal (got, "console\none\ntwo\nthree\n");
    free (got);
    free (out);
}

/* A run that ends with every descriptor taken (tests under a tight
   ulimit -n) still writes its report: what it needs was taken at the
   check. */
static void
test_no_descriptor_left (void **state)
{
    scratch *s = *state;
    char *fresh = path_in (s, "fresh.json");
    char *old = path_in (s, "old.json");
    write_file (old, "old\n");
    char err[256] = "";
    fo_report_dest *a = fo_report_dest_open (fresh, "--json", NULL, err, sizeof err);
    fo_report_dest *b = fo_report_dest_open (old, "--json", NULL, err, sizeof err);
    assert_non_null (a);
    assert_non_null (b);
    struct rlimit saved, low;
    assert_int_equal (getrlimit (RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = 64;
    assert_int_equal (setrlimit (RLIMIT_NOFILE, &low), 0);
    int fds[64];
    size_t n = 0;
    errno = 0;
    while (n < sizeof fds / sizeof fds[0]) {
        int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        fds[n++] = fd;
    }
    assert_int_equal (errno, EMFILE);       /* really none left */
    FILE *fa = fo_report_dest_stream (a, err, sizeof err);
    FILE *fb = fo_report_dest_stream (b, err, sizeof err);
    int ca = fa && fputs ("fresh\n", fa) >= 0 ? fo_report_dest_commit (a, err, sizeof err) : -1;
    int cb = fb && fputs ("new\n", fb) >= 0 ? fo_report_dest_commit (b, err, sizeof err) : -1;
    while (n > 0)
        close (fds[--n]);
    setrlimit (RLIMIT_NOFILE, &saved);
    assert_int_equal (ca, 0);
    assert_int_equal (cb, 0);
    fo_report_dest_destroy (&a);
    fo_report_dest_destroy (&b);
    char *got = read_file (fresh);
    assert_string_equal (got, "fresh\n");
    free (got);
    got = read_file (old);
    assert_string_equal (got, "new\n");
    free (got);
    assert_int_equal (entries (s), 2);
    free (fresh);
    free (old);
}

/* Refused at the check: a missing directory, a path under a file, a
   directory, the suite file itself, a dangling symlink, an empty name. */
static void
test_refused (void **state)
{
    scratch *s = *state;
    char err[256];
    char *missing = path_in (s, "no/such/r.json");
    assert_null (fo_report_dest_open (missing, "--json", NULL, err, sizeof err));
    assert_non_null (strstr (err, "does not exist"));
    char *file = path_in (s, "file");
    write_file (file, "x");
    char *under = fo_xasprintf ("%s/r.json", file);
    assert_null (fo_report_dest_open (under, "--json", NULL, err, sizeof err));
    assert_non_null (strstr (err, "is not a directory"));
    assert_null (fo_report_dest_open (s->dir, "--json", NULL, err, sizeof err));
    assert_non_null (strstr (err, "is a directory"));
    char *suite = path_in (s, "fanout.yml");
    write_file (suite, "tests: []\n");
    char *alias = path_in (s, "./fanout.yml");
    assert_null (fo_report_dest_open (alias, "--junit-xml", suite, err, sizeof err));
    assert_non_null (strstr (err, "--junit-xml"));
    assert_non_null (strstr (err, "is the suite file"));
    char *dangling = path_in (s, "dangling");
    assert_int_equal (symlink ("/nonexistent-fo-target", dangling), 0);
    assert_null (fo_report_dest_open (dangling, "--json", NULL, err, sizeof err));
    assert_null (fo_report_dest_open ("", "--json", NULL, err, sizeof err));
    char *got = read_file (suite);
    assert_string_equal (got, "tests: []\n");
    free (got);
    free (missing);
    free (file);
    free (under);
    free (suite);
    free (alias);
    free (dangling);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown (test_new_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_uncommitted_leaves_nothing, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_replace_regular, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_symlink_in_place, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_fifo_in_place, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_devices, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_stdout, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_descriptor_left, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_refused, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
