/* settings_text.h - settings as text: the command-line form of each value, which parses back
 * to the same value (used for --help's defaults, the file's attributes and the resume check's
 * messages), the configuration as JSON (the file's `config` attribute) and the settings table
 * as JSON (ovsweep --print-settings, read by the Python analysis and the documentation tools).
 *
 * Pure. Never truncates: everything is appended to a growable string. */
#ifndef OVS_SETTINGS_TEXT_H
#define OVS_SETTINGS_TEXT_H

#include <stdio.h>

#include "settings.h"
#include "strbuf.h"

/* The value of s in c as command-line text that parses back to the same value (lists of
 * evenly spaced integers as a:b or a:b:step; numbers with 17 significant digits; switches
 * "on"/"off"); `absent` where s does not apply to c. Never truncates: appends to b. */
void ovs_setting_format(const ovs_setting *s, const ovs_config *c, ovs_strbuf *b);

/* The same for an integer list (used for values read back from files). */
void ovs_format_ints(const int *v, int n, ovs_strbuf *b);
/* A number as 17 significant digits, "inf" or "nan". */
void ovs_format_real(double x, ovs_strbuf *b);

/* A step size as --eta takes it: the number, or "auto:C" when c_auto > 0. */
void ovs_format_eta(double eta, double c_auto, ovs_strbuf *b);

/* The stored settings of c as one JSON object (keys = attribute names), plus the fields
 * protocol_version and tol_ladder given here. */
void ovs_settings_json(const ovs_config *c, int protocol_version, const double *ladder,
                       int n_ladder, ovs_strbuf *b);

/* The table as JSON, for tools (ovsweep --print-settings): per row flag, kind, metavar,
 * default, help, names, attribute, absent value and resume rule. */
void ovs_settings_print_table(FILE *out);

#endif
