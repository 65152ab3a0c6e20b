/*  fo_capture: head + tail within a cap, with a counted marker between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_capture.h"

static char *
render (const fo_capture *cap)
{
    fo_buf out = { 0 };
    fo_capture_render (cap, &out);
    return fo_buf_steal (&out);
}

/*  What render must give for `data` through `cap`, computed naively. */
static char *
expected (const char *data, size_t len, size_t cap)
{
    fo_buf out = { 0 };
    if (len <= cap) {
        fo_buf_append (&out, data, len);
        return fo_buf_steal (&out);
    }
    size_t half = cap / 2;
    fo_buf_append (&out, data, half);
    fo_buf_printf (&out, "\n[fanout: %zu bytes dropped]\n", len - 2 * half);
    fo_buf_append (&out, data + len - half, half);
    return fo_buf_steal (&out);
}

static void
test_under_cap (void **state)
{
    (void) state;
    fo_capture cap;
    fo_capture_init (&cap, 16);
    fo_capture_append (&cap, "hello", 5);
    fo_capture_append (&cap, " you", 4);
    char *text = render (&cap);
    assert_string_equal (text, "hello you");
    assert_int_equal (fo_capture_dropped (&cap), 0);
    assert_int_equal (cap.total, 9);
    assert_null (cap.tail);
    free (text);
    fo_capture_free (&cap);
}

static void
test_empty (void **state)
{
    (void) state;
    fo_capture cap;
    fo_capture_init (&cap, 16);
    fo_capture_append (&cap, "", 0);
    char *text = render (&cap);
    assert_string_equal (text, "");
    assert_int_equal (fo_capture_dropped (&cap), 0);
    free (text);
    fo_capture_free (&cap);
}

static void
test_exactly_at_cap (void **state)
{
    (void) state;
    fo_capture cap;
    fo_capture_init (&cap, 16);
    fo_capture_append (&cap, "0123456789", 10);
    fo_capture_append (&cap, "abcdef", 6);
    char *text = render (&cap);
    assert_string_equal (text, "0123456789abcdef");
    assert_int_equal (fo_capture_dropped (&cap), 0);
    assert_null (cap.tail);
    assert_true (cap.head.cap <= 17);
    free (text);
    fo_capture_free (&cap);
}

static void
test_over_cap (void **state)
{
    (void) state;
    fo_capture cap;
    fo_capture_init (&cap, 16);
    fo_capture_append (&cap, "abcdefghijklmnopqrstuvwxyz", 26);
    char *text = render (&cap);
    assert_string_equal (text, "abcdefgh\n[fanout: 10 bytes dropped]\nstuvwxyz");
    assert_int_equal (fo_capture_dropped (&cap), 10);
    assert_int_equal (cap.total, 26);
    assert_int_equal (cap.head.len, 8);
    assert_int_equal (cap.tail_len, 8);
    free (text);
    fo_capture_free (&cap);
}

static void
test_one_past_cap (void **state)
{
    (void) state;
    fo_capture cap;
    fo_capture_init (&cap, 16);
    fo_capture_append (&cap, "0123456789abcdef", 16);
    fo_capture_append (&cap, "X", 1);
    char *text = render (&cap);
    assert_string_equal (text, "01234567\n[fanout: 1 bytes dropped]\n9abcdefX");
    free (text);
    fo_capture_free (&cap);
}

static void
test_many_small_appends (void **state)
{
    (void) state;
    char data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char) ('a' + (i * 7) % 26);

    /* One byte at a time through a small cap. */
    fo_capture cap;
    fo_capture_init (&cap, 10);
    for (size_t i = 0; i < 100; i++)
        fo_capture_append (&cap, data + i, 1);
    char *text = render (&cap);
    char *want = expected (data, 100, 10);
    assert_string_equal (text, want);
    assert_int_equal (fo_capture_dropped (&cap), 90);
    free (text);
    free (want);
    fo_capture_free (&cap);

    /* Uneven chunk sizes, so the cap is crossed mid-chunk and the ring wraps
       at every offset; checked after every append against the naive model. */
    srand (42);
    size_t caps[] = { 2, 3, 10, 11, 64, 100 };
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        fo_capture_init (&cap, caps[c]);
        size_t pos = 0;
        while (pos < sizeof data) {
            size_t n = (size_t) rand () % 23;
            if (n > sizeof data - pos)
                n = sizeof data - pos;
            fo_capture_append (&cap, data + pos, n);
            pos += n;
            text = render (&cap);
            want = expected (data, pos, caps[c]);
            assert_string_equal (text, want);
            free (text);
            free (want);
            assert_true (cap.head.len + cap.tail_len <= caps[c]);
        }
        fo_capture_free (&cap);
    }
}

/*  200 MB through a 1 KiB cap: memory stays at the cap (the ring and a
    head that was shrunk), and the tail holds the last bytes written. */
static void
test_huge_stream_bounded (void **state)
{
    (void) state;
    enum { CHUNK = 65537, CAP = 1024 };
    const uint64_t want_total = 200ull * 1024 * 1024;
    char *chunk = malloc (CHUNK);
    assert_non_null (chunk);
    memset (chunk, 'x', CHUNK);

    fo_capture cap;
    fo_capture_init (&cap, CAP);
    uint64_t written = 0;
    unsigned long i = 0;
    char last[CAP / 2];
    while (written < want_total) {
        /* Every chunk ends with its own number, so the tail can be checked. */
        char tag[32];
        int n = snprintf (tag, sizeof tag, "<chunk %lu>", i++);
        memcpy (chunk + CHUNK - n, tag, (size_t) n);
        /* Odd sizes: the ring position moves around. */
        size_t len = CHUNK - (i % 7);
        fo_capture_append (&cap, chunk + (CHUNK - len), len);
        written += len;
        memcpy (last, chunk + CHUNK - sizeof last, sizeof last);
        assert_true (cap.head.cap <= CAP + 1);
        assert_true (cap.tail_size <= CAP / 2);
    }
    assert_int_equal (cap.total, written);
    assert_int_equal (cap.head.len, CAP / 2);
    assert_int_equal (cap.tail_len, CAP / 2);
    assert_int_equal (fo_capture_dropped (&cap), written - CAP);

    fo_buf out = { 0 };
    fo_capture_render (&cap, &out);
    assert_true (out.len > CAP);
    assert_memory_equal (out.data + out.len - sizeof last, last, sizeof last);
    char marker[64];
    snprintf (marker, sizeof marker, "\n[fanout: %llu bytes dropped]\n",
              (unsigned long long) (written - CAP));
    assert_non_null (strstr (out.data, marker));
    assert_int_equal (out.len, CAP + strlen (marker));
    fo_buf_free (&out);
    fo_capture_free (&cap);
    free (chunk);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_under_cap),
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_exactly_at_cap),
        cmocka_unit_test (test_over_cap),
        cmocka_unit_test (test_one_past_cap),
        cmocka_unit_test (test_many_small_appends),
        cmocka_unit_test (test_huge_stream_bounded),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
