/* names.c - name-table lookups; see names.h. */
#include "names.h"

#include <string.h>

int ovs_names_find(const ovs_names *t, const char *s)
{
    for (int i = 0; i < t->count(); i++)
        if (strcmp(t->name(i), s) == 0)
            return i;
    return -1;
}

void ovs_names_join(const ovs_names *t, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    if (len < 4)
        return;
    for (int i = 0; i < t->count(); i++) {
        const char *sep = i ? "," : "";
        size_t need = strlen(sep) + strlen(t->name(i));
        if (used + need + 4 > len) { /* room for "..." and the terminator */
            strcpy(buf + used, "...");
            return;
        }
        strcpy(buf + used, sep);
        strcpy(buf + used + strlen(sep), t->name(i));
        used += need;
    }
}
