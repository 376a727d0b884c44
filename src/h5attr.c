/* h5attr.c - attribute helpers; see h5attr.h. */
#include "h5attr.h"

#include <stdlib.h>
#include <string.h>

hid_t ovs_h5_type(ovs_elem t)
{
    return t == OVS_ELEM_I8 ? H5T_NATIVE_INT8 : t == OVS_ELEM_I32 ? H5T_NATIVE_INT32
                                                                  : H5T_NATIVE_DOUBLE;
}

static int write_in(hid_t loc, const char *name, hid_t type, hid_t space, const void *buf)
{
    hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    int rc = H5Awrite(a, type, buf) < 0 ? -1 : 0;
    if (H5Aclose(a) < 0)
        rc = -1;
    return rc;
}

int ovs_h5_attr_write(hid_t loc, const char *name, hid_t type, const void *buf, size_t n)
{
    hsize_t dim = (hsize_t)n;
    hid_t space = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    if (space < 0)
        return -1;
    int rc = write_in(loc, name, type, space, buf);
    if (H5Sclose(space) < 0)
        rc = -1;
    return rc;
}

int ovs_h5_attr_write_str(hid_t loc, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    if (type < 0)
        return -1;
    int rc = -1;
    if (H5Tset_size(type, H5T_VARIABLE) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0)
        rc = ovs_h5_attr_write(loc, name, type, &value, 0);
    if (H5Tclose(type) < 0)
        rc = -1;
    return rc;
}

/* Open attribute name of loc quietly: -1 when absent, -2 when it (or the object header that
 * holds it) cannot be read. */
static hid_t open_quiet(hid_t loc, const char *name)
{
    hid_t a = -1;
    H5E_BEGIN_TRY
    {
        htri_t there = H5Aexists(loc, name);
        if (there > 0)
            a = H5Aopen(loc, name, H5P_DEFAULT);
        if (there < 0 || (there > 0 && a < 0))
            a = -2;
    }
    H5E_END_TRY;
    return a;
}

long ovs_h5_attr_count(hid_t loc, const char *name)
{
    hid_t a = open_quiet(loc, name);
    if (a < 0)
        return a == -2 ? -2 : -1;
    long n = -2;
    H5E_BEGIN_TRY
    {
        hid_t space = H5Aget_space(a);
        if (space >= 0) {
            hssize_t m = H5Sget_simple_extent_npoints(space);
            n = m >= 0 ? (long)m : -2;
            H5Sclose(space);
        }
        H5Aclose(a);
    }
    H5E_END_TRY;
    return n;
}

int ovs_h5_attr_read(hid_t loc, const char *name, hid_t type, void *buf, size_t max_elems)
{
    long n = ovs_h5_attr_count(loc, name);
    if (n < 0 || (size_t)n > max_elems)
        return 0;
    hid_t a = open_quiet(loc, name);
    if (a < 0)
        return 0;
    int ok = 0;
    H5E_BEGIN_TRY
    {
        hid_t ftype = H5Aget_type(a);
        /* numbers only: a string attribute read as a number would be garbage */
        if (ftype >= 0 && H5Tget_class(ftype) != H5T_STRING && H5Aread(a, type, buf) >= 0)
            ok = (int)(n > 0 ? n : 1);
        if (ftype >= 0)
            H5Tclose(ftype);
        H5Aclose(a);
    }
    H5E_END_TRY;
    return ok;
}

/* A fixed-length string of size bytes. */
static int read_fixed(hid_t a, hid_t ftype, ovs_strbuf *out)
{
    size_t size = H5Tget_size(ftype);
    char *buf = size > 0 ? calloc(size + 1, 1) : NULL;
    hid_t mem = H5Tcopy(ftype);
    int ok = buf && mem >= 0 && H5Aread(a, mem, buf) >= 0;
    if (ok)
        ovs_strbuf_printf(out, "%s", buf);
    if (mem >= 0)
        H5Tclose(mem);
    free(buf);
    return ok;
}

static int read_variable(hid_t a, hid_t ftype, ovs_strbuf *out)
{
    char *value = NULL;
    hid_t mem = H5Tcopy(H5T_C_S1);
    int ok = mem >= 0 && H5Tset_size(mem, H5T_VARIABLE) >= 0 &&
             H5Tset_cset(mem, H5Tget_cset(ftype)) >= 0 && H5Aread(a, mem, &value) >= 0 && value;
    if (ok)
        ovs_strbuf_printf(out, "%s", value);
    if (value)
        H5free_memory(value);
    if (mem >= 0)
        H5Tclose(mem);
    return ok;
}

int ovs_h5_attr_read_str(hid_t loc, const char *name, ovs_strbuf *out)
{
    if (ovs_h5_attr_count(loc, name) != 1)
        return 0;
    hid_t a = open_quiet(loc, name);
    if (a < 0)
        return 0;
    int ok = 0;
    H5E_BEGIN_TRY
    {
        hid_t ftype = H5Aget_type(a);
        if (ftype >= 0 && H5Tget_class(ftype) == H5T_STRING)
            ok = H5Tis_variable_str(ftype) > 0 ? read_variable(a, ftype, out)
                                               : read_fixed(a, ftype, out);
        if (ftype >= 0)
            H5Tclose(ftype);
        H5Aclose(a);
    }
    H5E_END_TRY;
    return ok;
}
