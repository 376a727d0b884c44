/* h5design.h - the adaptive design's part of a group in the file: per row (d) its midpoint,
 * 95% interval, 10-90% width, trainings and status, and per closed round the group's trainings
 * and each row's interval (docs/HDF5_LAYOUT.md).
 *
 * Collective on comm (through h5writer.h): every rank holds the same design and makes the same
 * calls; rank 0 writes the values. */
#ifndef OVS_H5DESIGN_H
#define OVS_H5DESIGN_H

#include "design.h"
#include "h5writer.h"

void ovs_h5_write_design(ovs_writer *w, hid_t grp, int g, const ovs_design *d,
                         const ovs_scales *sc);

#endif
