/*  fo_suite_compose — builds the libyaml document of a suite file from
    libyaml's parser events, with the limits a hostile file needs
    (private to the loader).

    yaml_parser_load would do the same without limits: an alias bomb (each
    anchor aliased twice by the next, 30 deep) stands for a billion nodes,
    an alias inside the node it names makes a cycle that a walk never
    leaves, 100,000 nested flow lists make libyaml's scanner quadratic (it
    rescans its stack of open flow levels at every token), and it finds
    each alias by a scan of every anchor. Building the same document here,
    event by event, with libyaml's document API, lets each limit stop the
    parse at the event that crosses it, with its line and column:

    - nesting of lists and maps at most FO_SUITE_MAX_YAML_DEPTH;
    - at most FO_SUITE_MAX_NODES nodes once aliases are expanded: an alias
      counts every node it stands for, so what a walk of the document visits
      is bounded, whatever the aliases;
    - the text aliases stand for, the bytes of every scalar an alias
      reaches counted at each use, at most fo_suite_alias_budget of the
      file's size: one scalar of a megabyte is one node, and 480 aliases of
      it were 480 copies in the tree and more in the plan and the leases;
    - an alias inside the node it names is refused (a cycle);
    - aliases are resolved through a hash table, in O(1).

    The document is what yaml_parser_load would give (same nodes, marks and
    styles; tags are left at their defaults: a suite file has no use for
    them).
*/
#ifndef FO_SUITE_COMPOSE_H
#define FO_SUITE_COMPOSE_H

#include <yaml.h>

#include "fo_suite_yaml.h"

/* Composes the stream's next document into doc. Returns 1 with the
   document (free it with yaml_document_delete), 0 at the end of the stream
   (doc untouched), or -1 with "file:line:column: message" in L's err. */
int fo_yaml_compose (fo_yaml_reader *L, yaml_parser_t *parser, yaml_document_t *doc);

#endif
