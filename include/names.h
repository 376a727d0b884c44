/* names.h - the name tables behind every option that takes a name (--act, --method, --kernel,
 * --precision, --data, --labels, --design): one list per choice, kept by the module that
 * implements the choices, looked up and listed ("known: a,b,c") the same way everywhere.
 *
 * Pure. */
#ifndef OVS_NAMES_H
#define OVS_NAMES_H

#include <stddef.h>

typedef struct ovs_names {
    const char *what;           /* what a name names, for messages: "activation" */
    int (*count)(void);         /* how many names */
    const char *(*name)(int i); /* name i, 0 <= i < count() */
} ovs_names;

/* The index of s in t, or -1. */
int ovs_names_find(const ovs_names *t, const char *s);

/* The names of t joined by commas into buf (always terminated; cut short with "..." when buf is
 * too small). */
void ovs_names_join(const ovs_names *t, char *buf, size_t len);

/* A name table over a fixed array of strings: OVS_NAMES_OF(prefix, "what", "a", "b", ...)
 * defines `const ovs_names prefix` with its two accessors. */
#define OVS_NAMES_OF(var, what_, ...)                                                       \
    static const char *const var##_list_[] = {__VA_ARGS__};                                \
    static int var##_count_(void)                                                           \
    {                                                                                       \
        return (int)(sizeof var##_list_ / sizeof var##_list_[0]);                           \
    }                                                                                       \
    static const char *var##_name_(int i)                                                   \
    {                                                                                       \
        return i >= 0 && i < var##_count_() ? var##_list_[i] : "?";                         \
    }                                                                                       \
    const ovs_names var = {what_, var##_count_, var##_name_}

#endif
