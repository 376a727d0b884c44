/* cli.h - command line -> ovs_config: getopt_long and --help driven by the settings table
 * (settings.h), the rules that tie settings together, and the limits checked up front.
 *
 * Pure: no MPI, no HDF5. Errors are reported as one line written into a caller's buffer;
 * main.c prints it (on rank 0) and exits with status 2 on every rank. */
#ifndef OVS_CLI_H
#define OVS_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* Parse argv into cfg (defaults = the paper's protocol). Returns OVS_OK, or OVS_EINVAL with
 * a one-line message "--flag: problem" in err. An option given twice takes its last value
 * (so that job scripts can append overrides). Safe to call repeatedly (resets getopt). */
int ovs_cli_parse(int argc, char **argv, ovs_config *cfg, char *err, size_t errlen);
void ovs_cli_free(ovs_config *cfg);

/* Write the --help text (generated from the settings table) to out. */
void ovs_cli_usage(FILE *out);

#endif
