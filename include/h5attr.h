/* h5attr.h - HDF5 attributes and element types: the small helpers the writer and the reader
 * share. Every HDF5 call's status is checked; a helper returns -1 (or 0 elements read) when
 * any of its calls failed, and releases what it opened.
 *
 * In a file opened for parallel writing, attribute writes are collective: every rank passes
 * identical values. */
#ifndef OVS_H5ATTR_H
#define OVS_H5ATTR_H

#include <hdf5.h>
#include <stddef.h>

#include "h5schema.h"
#include "strbuf.h"

/* The native HDF5 type of a schema element type. */
hid_t ovs_h5_type(ovs_elem t);

/* Write attribute name of loc: n elements of type (n == 0: a scalar). 0 or -1. */
int ovs_h5_attr_write(hid_t loc, const char *name, hid_t type, const void *buf, size_t n);

/* A variable-length UTF-8 string attribute (h5py and xarray read it as str). 0 or -1. */
int ovs_h5_attr_write_str(hid_t loc, const char *name, const char *value);

/* Read attribute name of loc as up to max_elems elements of type into buf. Returns the number
 * of elements read (a scalar counts 1), 0 when it is absent, has more elements, or cannot be
 * read. Prints nothing. */
int ovs_h5_attr_read(hid_t loc, const char *name, hid_t type, void *buf, size_t max_elems);

/* Read a string attribute (fixed or variable length) into out (appended). 1, or 0 when
 * absent or not a string. Prints nothing. */
int ovs_h5_attr_read_str(hid_t loc, const char *name, ovs_strbuf *out);

/* The number of elements of attribute name of loc; -1 when it is absent, -2 when it (or the
 * metadata holding it) cannot be read: damaged. */
long ovs_h5_attr_count(hid_t loc, const char *name);

#endif
