/*  fo_agent_index — finds an agent by its ZeroMQ routing id in O(1).

    The broker hears every message as (routing id, message); at thousands
    of agents a scan of the agent table per message was most of its time
    (issue 15: memcmp 27% of the profile at 2,048 agents). This is an open
    addressing hash table (linear probing, tombstones) from a routing id
    (1 to FO_AGENT_INDEX_MAX_KEY bytes, copied) to the broker's agent
    number. It grows to keep at most half of its slots used, so a lookup
    probes about two slots; a table with many tombstones is rebuilt.

    It knows nothing of agents: the broker keeps it in step with its agent
    table (put on hello, del when an agent is lost).
*/
#ifndef FO_AGENT_INDEX_H
#define FO_AGENT_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_AGENT_INDEX_MAX_KEY 255     /* ZeroMQ's limit for a routing id */

typedef struct fo_agent_index fo_agent_index;

fo_agent_index *fo_agent_index_new (void);
void fo_agent_index_destroy (fo_agent_index **self_p);

/* Maps the key to `number`, replacing what it mapped to. A key of 0 or
   more than FO_AGENT_INDEX_MAX_KEY bytes is not stored (returns false). */
bool fo_agent_index_put (fo_agent_index *self, const void *key, size_t len, uint32_t number);

/* The number of the key; false when the key is not there. */
bool fo_agent_index_get (const fo_agent_index *self, const void *key, size_t len,
                         uint32_t *number);

/* Removes the key; false when it was not there. */
bool fo_agent_index_del (fo_agent_index *self, const void *key, size_t len);

/* Keys stored now. */
size_t fo_agent_index_size (const fo_agent_index *self);

#endif
