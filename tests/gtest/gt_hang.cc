// A GoogleTest suite whose middle test hangs, for `process: suite` with a
// time limit: the hanging test alone is `timeout`, the test after it runs
// again in a new process and passes.
#include <gtest/gtest.h>

#include <unistd.h>

TEST (Hang, Before) { EXPECT_TRUE (true); }
TEST (Hang, Sleeps) { sleep (60); }
TEST (Hang, After) { EXPECT_TRUE (true); }
