// A GoogleTest program whose own main hides failures: it ignores what
// RUN_ALL_TESTS returns and exits 0. A failure is still the test's
// (gtest's output file says so).
#include <gtest/gtest.h>

TEST (Hidden, Pass) { EXPECT_TRUE (true); }
TEST (Hidden, Fail) { EXPECT_TRUE (false) << "hidden by main"; }

int
main (int argc, char **argv)
{
    ::testing::InitGoogleTest (&argc, argv);
    if (RUN_ALL_TESTS () != 0) {
        // exit 0 anyway
    }
    return 0;
}
