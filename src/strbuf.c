/* strbuf.c - growable strings; see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ovs_strbuf_printf(ovs_strbuf *b, const char *fmt, ...)
{
    if (!b->ok)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int need = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (need < 0) {
            b->ok = 0;
            return;
        }
        if (b->s && b->len + (size_t)need < b->cap) {
            b->len += (size_t)need;
            return;
        }
        size_t cap = 2 * (b->cap + (size_t)need + 64);
        char *s = realloc(b->s, cap);
        if (!s) {
            b->ok = 0;
            return;
        }
        if (!b->s)
            s[0] = '\0';
        b->s = s;
        b->cap = cap;
    }
}

const char *ovs_strbuf_str(ovs_strbuf *b)
{
    if (!b->ok)
        return NULL;
    return b->s ? b->s : "";
}

void ovs_strbuf_free(ovs_strbuf *b)
{
    free(b->s);
    *b = (ovs_strbuf)OVS_STRBUF_INIT;
}

/* Whether the comma list holds the name of len bytes. */
static int listed(const char *list, const char *name, size_t len)
{
    for (const char *p = list; *p;) {
        const size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

void ovs_strbuf_add_names(ovs_strbuf *b, const char *names)
{
    for (const char *p = names; *p && b->ok;) {
        const size_t n = strcspn(p, ",");
        if (n > 0 && !listed(b->s ? b->s : "", p, n))
            ovs_strbuf_printf(b, "%s%.*s", b->len ? "," : "", (int)n, p);
        p += n + (p[n] == ',');
    }
}
