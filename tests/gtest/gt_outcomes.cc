// A GoogleTest program with one test of each kind fanout's gtest source
// must tell apart (tests/integration/test_gtest.sh, tests/unit/test_gtest.c):
// pass, fail, GTEST_SKIP, disabled tests and a disabled suite, typed and
// value-parameterised tests (one whose printed parameter spans lines).
#include <gtest/gtest.h>

#include <ostream>
#include <string>

TEST (Basic, Pass) { EXPECT_EQ (2, 1 + 1); }
TEST (Basic, Fail) { EXPECT_EQ (1, 2) << "one is not two"; }
TEST (Basic, Skip) { GTEST_SKIP () << "not on this host"; }
TEST (Basic, DISABLED_Off) { FAIL () << "a disabled test ran"; }
TEST (DISABLED_Whole, A) { FAIL () << "a test of a disabled suite ran"; }

template <typename T> class Typed : public ::testing::Test {};
using TypedTypes = ::testing::Types<int, char>;
TYPED_TEST_SUITE (Typed, TypedTypes);
TYPED_TEST (Typed, Size) { EXPECT_GE (sizeof (TypeParam), 1u); }
TYPED_TEST (Typed, FailsForChar) { EXPECT_NE (sizeof (TypeParam), 1u) << "a char"; }

class Param : public ::testing::TestWithParam<int> {};
TEST_P (Param, Even) { EXPECT_EQ (GetParam () % 2, 0); }
INSTANTIATE_TEST_SUITE_P (Nums, Param, ::testing::Values (2, 3));

// A parameter gtest prints on two lines: the listing's comment spans them.
struct Lines {
    int n;
};
static void
PrintTo (const Lines &l, std::ostream *os)
{
    *os << "first line " << l.n << "\nsecond line";
}
class Multi : public ::testing::TestWithParam<Lines> {};
TEST_P (Multi, Positive) { EXPECT_GT (GetParam ().n, 0); }
INSTANTIATE_TEST_SUITE_P (Printed, Multi, ::testing::Values (Lines{ 1 }, Lines{ 2 }));
