/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layout_add_int.h - what the files of the add-services layout search
 * share and nothing else includes: the node layout and cluster layout
 * helpers of layout_add.c that layout_add_change.c and
 * layout_add_cluster.c call.
 */
#ifndef LOOMD_LAYOUT_ADD_INT_H
#define LOOMD_LAYOUT_ADD_INT_H

#include <stddef.h>

#include "layout_add.h"
#include "strtab.h"

/* Fill nl with copies of hw, img and the sorted unique services. */
void layout_add_nl_init(struct layout_add_node_layout *nl, const char *hw,
    const char *img, const char *const *services, size_t n);
/* Deep copy of a node layout, plus one service when extra != NULL. */
void layout_add_nl_copy(struct layout_add_node_layout *dst,
    const struct layout_add_node_layout *src, const char *extra);
/* Free the strings of a node layout. */
void layout_add_nl_clear(struct layout_add_node_layout *nl);
/* 1 if the node layout holds service s. */
int layout_add_nl_has(const struct layout_add_node_layout *nl, const char *s);
/* Node-layout validity of nl against the cluster services cs[0, ncs). */
int layout_add_nl_valid(const struct layout_add_constraints *c,
    const struct layout_add_node_layout *nl, const char *const *cs,
    size_t ncs);

/*
 * Find nl in l: 1 and its index in *at if there, else 0 and the index
 * where it would be inserted.
 */
int layout_add_find(const struct layout_add_layout *l,
    const struct layout_add_node_layout *nl, size_t *at);
/*
 * Add count nodes of nl to l.  With take != 0 nl's strings are taken over
 * (or freed); otherwise they are copied.
 */
void layout_add_add_nl(struct layout_add_layout *l,
    const struct layout_add_node_layout *cnl, int count, int take);
/* The count of node layout nl in l. */
int layout_add_count_nl(const struct layout_add_layout *l,
    const struct layout_add_node_layout *nl);
/*
 * The distinct services of l (borrowed from l), plus extra if given, n in
 * *n; caller frees the array (not the strings).
 */
const char **layout_add_services_of(const struct layout_add_layout *l,
    const char *extra, size_t *n);
/* The constraint of service s, or NULL (borrowed from c). */
const struct layout_add_constraint *
layout_add_constraint_of(const struct layout_add_constraints *c,
    const char *s);

#endif /* LOOMD_LAYOUT_ADD_INT_H */
