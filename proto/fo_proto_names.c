/*  fo_proto_names — the wire names of the protocol's enums.

    The wire carries names, not numbers, so that a capture of the traffic is
    readable and so that reordering a C enum can never silently change the
    meaning of a message. The decoder finds a name's value by asking these
    functions for every value in turn, so each name lives in one place.
*/
#include "fo_proto.h"

#include <stdbool.h>
#include <string.h>

const char *
fo_msg_type_name (fo_msg_type type)
{
    switch (type) {
    case FO_MSG_HELLO:     return "hello";
    case FO_MSG_WELCOME:   return "welcome";
    case FO_MSG_REFUSE:    return "refuse";
    case FO_MSG_REQUEST:   return "request";
    case FO_MSG_LEASE:     return "lease";
    case FO_MSG_RESULT:    return "result";
    case FO_MSG_DONE:      return "done";
    case FO_MSG_HEARTBEAT: return "heartbeat";
    case FO_MSG_CANCEL:    return "cancel";
    case FO_MSG_SHUTDOWN:  return "shutdown";
    case FO_MSG_BYE:       return "bye";
    case FO_MSG_DISCOVERED: return "discovered";
    case FO_MSG_SLOW:      return "slow";
    case FO_MSG_RETURN:    return "return";
    case FO_MSG_FETCH:     return "fetch";
    case FO_MSG_CHUNK:     return "chunk";
    case FO_MSG_OUTPUT:    return "output";
    case FO_MSG_BATCH:     return "batch";
    }
    return NULL;
}

const char *
fo_step_kind_name (fo_step_kind kind)
{
    switch (kind) {
    case FO_STEP_SETUP:    return "setup";
    case FO_STEP_TEST:     return "test";
    case FO_STEP_TEARDOWN: return "teardown";
    case FO_STEP_DISCOVER: return "discover";
    }
    return NULL;
}

const char *
fo_reader_name (fo_reader reader)
{
    switch (reader) {
    case FO_READER_EXIT_STATUS: return "exit-status";
    case FO_READER_TAP:         return "tap";
    case FO_READER_CMOCKA:      return "cmocka";
    case FO_READER_GLIB:        return "glib";
    case FO_READER_GTEST:       return "gtest";
    case FO_READER_CTEST:       return "ctest";
    case FO_READER_PYTHON:      return "python";
    }
    return NULL;
}


bool
fo_blob_id_ok (const char *s)
{
    size_t n = 0;
    for (; s && s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == FO_PROTO_BLOB_ID;
}

bool
fo_relative_path_ok (const char *path)
{
    size_t len = path ? strlen (path) : 0;
    if (len == 0 || len > FO_PROTO_MAX_ROOT || path[0] == '/')
        return false;
    for (const char *p = path;;) {
        size_t n = strcspn (p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n;
        if (!*p)
            return true;
        p++;
    }
}
