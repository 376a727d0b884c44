/* strbuf.h - a growable string for text whose length is not known in advance (the config
 * JSON, lists of group names), so that no fixed buffer can truncate or overflow.
 *
 * Pure. A failed allocation is remembered (ok = 0) and later appends do nothing; the caller
 * checks ok once at the end. */
#ifndef OVS_STRBUF_H
#define OVS_STRBUF_H

#include <stddef.h>

typedef struct ovs_strbuf {
    char *s; /* NUL-terminated, owned; NULL until the first append */
    size_t len, cap;
    int ok; /* 0 after an allocation failure */
} ovs_strbuf;

#define OVS_STRBUF_INIT {NULL, 0, 0, 1}

/* Append printf-style text. */
__attribute__((format(printf, 2, 3))) void ovs_strbuf_printf(ovs_strbuf *b, const char *fmt, ...);

/* The text so far ("" when empty), or NULL after an allocation failure. */
const char *ovs_strbuf_str(ovs_strbuf *b);

/* Append, comma-separated, each name of the comma list names that b's text (itself a comma
 * list) does not hold yet: the union of two lists, first come first (lists of builds). */
void ovs_strbuf_add_names(ovs_strbuf *b, const char *names);

void ovs_strbuf_free(ovs_strbuf *b);

#endif
