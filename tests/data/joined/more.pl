#!/usr/bin/perl
# A real TAP producer for test_joined.sh: Perl's Test::More (a subtest, a
# TODO, a skip, a failure with its diagnostics).
use strict;
use warnings;
use Test::More tests => 5;

ok (1, 'first');
is (2 + 2, 5, 'arithmetic');
SKIP: {
    skip 'no network here', 1;
    ok (0, 'network');
}
TODO: {
    local $TODO = 'not written';
    ok (0, 'future');
}
subtest 'group' => sub {
    plan tests => 2;
    ok (1, 'inner one');
    ok (1, 'inner two');
};
