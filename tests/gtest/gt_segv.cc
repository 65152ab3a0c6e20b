// A GoogleTest suite that segfaults in the middle, for `process: suite`
// (one process per suite): the crashing test alone is `crashed`, the
// tests before it keep gtest's verdicts (a pass, a plain GTEST_SKIP, a
// failure), the tests after it run again in a new process. Each test
// that runs appends its name and process id to the file $GT_LOG, if set,
// so that a test can check none ran twice, and which shared a process. A death test (re-executed, threadsafe style)
// connects to the result stream too.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <unistd.h>

static void
ran (const char *name)
{
    const char *log = std::getenv ("GT_LOG");
    if (!log)
        return;
    FILE *f = std::fopen (log, "a");
    if (f) {
        std::fprintf (f, "%s %ld\n", name, (long) getpid ());
        std::fclose (f);
    }
}

TEST (Mid, First) { ran ("Mid.First"); EXPECT_TRUE (true); }
TEST (Mid, Skipped) { ran ("Mid.Skipped"); GTEST_SKIP (); }
TEST (Mid, Fails) { ran ("Mid.Fails"); EXPECT_EQ (1, 2) << "one is not two"; }
TEST (Mid, Segv) {
    ran ("Mid.Segv");
    std::raise (SIGSEGV);
}
TEST (Mid, DISABLED_Off) { ran ("Mid.DISABLED_Off"); }
TEST (Mid, After) { ran ("Mid.After"); EXPECT_TRUE (true); }
TEST (Mid, AfterSkip) { ran ("Mid.AfterSkip"); GTEST_SKIP () << "skipped after the crash"; }
TEST (Mid, Death) {
    GTEST_FLAG_SET (death_test_style, "threadsafe");
    EXPECT_DEATH (std::abort (), "");
    ran ("Mid.Death");  // after: the re-executed child dies before it
}
TEST (Mid, AfterFails) { ran ("Mid.AfterFails"); EXPECT_TRUE (false) << "fails after the crash"; }
TEST (Mid, Last) { ran ("Mid.Last"); EXPECT_TRUE (true); }
TEST (Calm, Pass) { ran ("Calm.Pass"); EXPECT_TRUE (true); }
TEST (Calm, Crash) { ran ("Calm.Crash"); std::abort (); }
