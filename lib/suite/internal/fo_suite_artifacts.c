/*  fo_suite_artifacts — the `artifacts:` key of a context or the top level
    (docs/artifacts.md): the paths and glob patterns its tests need shipped
    to an agent without the suite's tree. Kept as written; lib/artifacts
    expands them. Checked here what can be checked without the filesystem,
    so that a mistake is a file:line:column error: a pattern must stay under
    the suite file's directory (relative, no '..' component), because the
    agent lays the files out under one workspace at the same relative
    places. */
#include "fo_suite.h"
#include "fo_suite_yaml.h"

#include <string.h>

/* Whether one of path's '/'-separated components is "..". */
static bool
has_dotdot (const char *path)
{
    for (const char *p = path; *p;) {
        size_t n = strcspn (p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += n;
        p += strspn (p, "/");
    }
    return false;
}

static bool
add_pattern (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *v)
{
    const char *s = NULL;
    if (!fo_yaml_string (L, v, "an artifact", &s))
        return false;
    if (!*s)
        return fo_yaml_fail (L, v, "an artifact must not be empty");
    if (strlen (s) > FO_SUITE_MAX_CWD)
        return fo_yaml_fail (L, v, "an artifact is %zu bytes long (at most %u)", strlen (s),
                             FO_SUITE_MAX_CWD);
    if (s[0] == '/')
        return fo_yaml_fail (L, v, "artifact '%s' must be relative to the suite file's "
                             "directory", s);
    if (has_dotdot (s))
        return fo_yaml_fail (L, v, "artifact '%s' must stay under the suite file's directory "
                             "(no '..')", s);
    if (ctx->artifacts.len >= FO_SUITE_MAX_ARTIFACTS)
        return fo_yaml_fail (L, v, "%s declares more than %u artifacts", L->owner,
                             FO_SUITE_MAX_ARTIFACTS);
    if (!fo_strv_contains (&ctx->artifacts, s))
        fo_strv_push (&ctx->artifacts, s);
    return true;
}

bool
fo_yaml_artifacts (fo_yaml_reader *L, fo_context *ctx, const yaml_node_t *node)
{
    ctx->artifacts_line = (int) node->start_mark.line + 1;
    ctx->artifacts_column = (int) node->start_mark.column + 1;
    if (node->type != YAML_SEQUENCE_NODE)
        return add_pattern (L, ctx, node);
    for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top; i++)
        if (!add_pattern (L, ctx, fo_yaml_node (L, *i)))
            return false;
    return true;
}
