// A GoogleTest suite whose middle test crashes the process: in one
// process per suite, the tests after it must still run, once.
#include <gtest/gtest.h>

#include <cstdlib>

TEST (Crash, Before) { EXPECT_TRUE (true); }
TEST (Crash, Boom) { std::abort (); }
TEST (Crash, After) { EXPECT_TRUE (true); }
TEST (Crash, AfterFails) { EXPECT_TRUE (false) << "fails after the crash"; }
TEST (Calm, Pass) { EXPECT_TRUE (true); }
