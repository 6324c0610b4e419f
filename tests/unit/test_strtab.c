/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_strtab.c - unit tests of the string table: insertion-order indices,
 * lookups of present and absent strings across growth, copied and borrowed
 * strings, and the zeroed table as an empty one.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "strtab.h"

Test(strtab, indices_follow_insertion_order_across_growth)
{
	struct strtab *t = strtab_new(true);
	char buf[32];
	size_t i, ix;
	int added;

	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof buf, "s%zu", i);
		cr_assert_eq(strtab_intern(t, buf, &added), i);
		cr_assert_eq(added, 1);
	}
	cr_assert_eq(strtab_count(t), 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(buf, sizeof buf, "s%zu", i);
		cr_assert_eq(strtab_find(t, buf, &ix), 0);
		cr_assert_eq(ix, i);
		cr_assert_str_eq(strtab_str(t, i), buf);
		cr_assert_eq(strtab_intern(t, buf, &added), i);
		cr_assert_eq(added, 0);
	}
	cr_assert_eq(strtab_find(t, "s1000", &ix), -1);
	cr_assert_eq(strtab_find(t, "", &ix), -1);
	strtab_free(t);
	strtab_free(NULL);
}

Test(strtab, copy_owns_and_borrow_shares)
{
	struct strtab copied, borrowed;
	char name[] = "node1";

	strtab_init(&copied, true);
	strtab_init(&borrowed, false);
	strtab_intern(&copied, name, NULL);
	strtab_intern(&borrowed, name, NULL);
	cr_assert_neq(strtab_str(&copied, 0), name);
	cr_assert_eq(strtab_str(&borrowed, 0), name);
	strtab_clear(&copied);
	strtab_clear(&borrowed);
	cr_assert_eq(strtab_count(&copied), 0);
	cr_assert(copied.copy);
}

Test(strtab, zeroed_table_is_empty)
{
	struct strtab t;
	size_t ix;

	memset(&t, 0, sizeof t);
	cr_assert_eq(strtab_count(&t), 0);
	cr_assert_eq(strtab_find(&t, "a", &ix), -1);
	cr_assert_eq(strtab_intern(&t, "a", NULL), 0);
	cr_assert_eq(strtab_intern(&t, "b", NULL), 1);
	cr_assert_eq(strtab_find(&t, "b", &ix), 0);
	cr_assert_eq(ix, 1);
	strtab_clear(&t);
}

Test(strtab, list_finds_the_first_equal_string)
{
	static const char *const v[] = { "hadoop", "zookeeper", "hadoop" };
	char key[16];

	/* Equal by content, not by pointer. */
	snprintf(key, sizeof key, "%s", "hadoop");
	cr_assert_eq(strtab_list_index(v, 3, key), 0);
	cr_assert_eq(strtab_list_index(v, 3, "zookeeper"), 1);
	cr_assert_eq(strtab_list_index(v, 3, "hbase"), SIZE_MAX);
	cr_assert_eq(strtab_list_index(v, 1, "zookeeper"), SIZE_MAX);
	cr_assert_eq(strtab_list_index(NULL, 0, "hadoop"), SIZE_MAX);
	cr_assert(strtab_list_has(v, 3, "zookeeper"));
	cr_assert(!strtab_list_has(v, 0, "hadoop"));
}
