// bench/source-bench.sh's GoogleTest program: 1,000 fast tests, ten
// suites (S0/Fast ... S9/Fast) of 100 value-parameterised tests, each
// sleeping GT_BENCH_US microseconds (default 1000: a fast test that does
// some work, without the noise of spinning on a shared machine).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <thread>

class Fast : public ::testing::TestWithParam<int> {};

TEST_P (Fast, Work)
{
    const char *us = std::getenv ("GT_BENCH_US");
    std::this_thread::sleep_for (std::chrono::microseconds (us ? std::atol (us) : 1000));
    EXPECT_GE (GetParam (), 0);
}

INSTANTIATE_TEST_SUITE_P (S0, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S1, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S2, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S3, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S4, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S5, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S6, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S7, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S8, Fast, ::testing::Range (0, 100));
INSTANTIATE_TEST_SUITE_P (S9, Fast, ::testing::Range (0, 100));
