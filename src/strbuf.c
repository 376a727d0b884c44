/* strbuf.c - growable strings; see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
