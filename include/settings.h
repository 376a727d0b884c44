/* settings.h - the settings table: one row per command-line option, the single source of its
 * flag, field, type, default, bounds, help text, file attribute, value in older files that
 * lack it, and resume rule.
 *
 * Pure. Everything that deals with settings reads the rows: parsing and --help (cli.c), the
 * configuration JSON and root attributes written to the file and the check that a resumed
 * file has the command's settings (h5write.c, h5read.c), and `ovsweep --print-settings`, the
 * JSON from which the Python analysis takes its defaults. Adding a setting is one row here,
 * its field in config.h, the code that uses it, and a test. */
#ifndef OVS_SETTINGS_H
#define OVS_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "names.h"

/* What a setting holds (the field's C type in brackets). */
typedef enum {
    OVS_SET_PATH,   /* a file name [char[OVS_PATH_MAX]] */
    OVS_SET_INTS,   /* a list or range of positive integers [int[], int count] */
    OVS_SET_NAMES,  /* a comma list of distinct names from a name table [int[], int count] */
    OVS_SET_NAME,   /* one name from a name table [int] */
    OVS_SET_INT,    /* an integer [int] */
    OVS_SET_COUNT,  /* a non-negative integer, 0 = off [long] */
    OVS_SET_SEED,   /* 0..2^64-1 [uint64_t] */
    OVS_SET_REAL,   /* a finite number [double] */
    OVS_SET_BAND,   /* LO:HI, HI may be inf [double[2]] */
    OVS_SET_SHARD,  /* I/N, 1 <= I <= N <= OVS_MAX_SHARDS [int[2]] */
    OVS_SET_ETA,    /* ACT=VAL,... or a bare VAL, per activation of --act [double[]] */
    OVS_SET_FLAG,   /* a switch without a value [int] */
    OVS_SET_ACTION  /* --help, --version, ...: not a setting of the sweep [int] */
} ovs_setting_kind;

/* What --resume requires of a setting stored in the file. */
typedef enum {
    OVS_RESUME_IGNORE,   /* run control (output, checkpoints, ...): may differ */
    OVS_RESUME_MATCH,    /* must equal the file's */
    OVS_RESUME_NOT_FEWER, /* may grow, never shrink (--trials: extend a finished sweep) */
    OVS_RESUME_PART       /* which part of the sweep a file holds (--shard): must match on
                           * resume; --merge takes the files of every part */
} ovs_resume_rule;

/* The most parts --shard divides a sweep into. */
#define OVS_MAX_SHARDS 100000

/* Bounds of numbers: [lo, hi], with either end open. */
enum { OVS_LO_OPEN = 1, OVS_HI_OPEN = 2 };

/* Where a stored setting lives in the file. */
enum { OVS_STORE_ROOT = 0, OVS_STORE_GROUP = 1 /* an attribute of each group (eta) */ };

/* --eta ACT=auto[:C] (eta = C / lambda_max per trial, jacobian.h): the C of a bare "auto",
 * chosen by measurement (docs/FINDINGS.md, "A step size that scales"), and the largest C
 * accepted. */
#define OVS_ETA_AUTO_C 1.8
#define OVS_ETA_AUTO_C_MAX 4.0

typedef struct ovs_setting {
    const char *flag;    /* long option without "--" */
    int short_flag;      /* 'o', or 0 */
    const char *metavar; /* NULL for switches */
    ovs_setting_kind kind;
    size_t field;       /* offsetof(ovs_config, ...) */
    size_t count_field; /* INTS, NAMES: offsetof the count */
    int max_count;      /* INTS, NAMES: capacity of the array */
    double lo, hi;      /* INT, COUNT, REAL, INTS (values), ETA: bounds */
    int open;           /* OVS_LO_OPEN | OVS_HI_OPEN */
    const ovs_names *names; /* NAME, NAMES */
    const char *dflt;   /* the default as command-line text; NULL: off / none / derived */
    const char *help;
    /* The file: attribute (and config JSON key), or NULL when not stored; where it lives; the
     * value an older file that lacks it is read as (command-line text; NULL: required). */
    const char *attr;
    int store;
    const char *absent;
    ovs_resume_rule resume;
    /* NULL, or whether the setting applies to c; one that does not is stored as `absent`
     * and cannot be given on the command line (--delta without --data worst). */
    int (*applies)(const ovs_config *c);
    const char *needs; /* what makes it apply, for the message: "--data worst" */
    /* NAME: a value older versions wrote and this one no longer runs, and why; a file that
     * holds it is refused with that reason rather than called damaged */
    const char *retired, *retired_why;
} ovs_setting;

int ovs_settings_count(void);
const ovs_setting *ovs_setting_at(int i);
/* The row of a long flag (without "--"), or NULL. */
const ovs_setting *ovs_setting_find(const char *flag);
/* The row whose attribute is attr, or NULL. */
const ovs_setting *ovs_setting_by_attr(const char *attr);

/* Every field of c to its default (a config that parses from no options, before the rules
 * that tie settings together: see ovs_cli_parse). */
void ovs_settings_defaults(ovs_config *c);

/* Parse arg as the value of s into c. Returns OVS_OK, or OVS_EINVAL with one line
 * "--flag: problem" in err. ETA needs c's activations (parse --act first). */
int ovs_setting_parse(const ovs_setting *s, const char *arg, ovs_config *c, char *err,
                      size_t errlen);

#endif
