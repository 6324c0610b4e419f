/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_ids.c - the pure parts of the ID allocator: local partition rules,
 * where a new counter starts, and Loom's ID formats.
 */
#include "config.h"

#include <criterion/criterion.h>

#include "ids.h"

Test(ids, local_rules)
{
	char err[LOOMD_ERR_LEN];

	cr_assert_eq(ids_validate_local(1, 1, err), 0);
	cr_assert_eq(ids_validate_local(500, 1, err), 0);
	cr_assert_eq(ids_validate_local(0, 10, err), 0);
	cr_assert_eq(ids_validate_local(9, 10, err), 0);
	cr_assert_eq(ids_validate_local(10, 10, err), -1);
	cr_assert_str_eq(err,
	    "start_num (10) must be less than "
	    "increment_by (10)");
	cr_assert_eq(ids_validate_local(-1, 10, err), -1);
	cr_assert_str_eq(err, "start_num must not be negative (got -1)");
	cr_assert_eq(ids_validate_local(0, 0, err), -1);
	cr_assert_str_eq(err, "increment_by must be at least 1 (got 0)");
}

Test(ids, first_value_keeps_the_residue_and_clears_the_floor)
{
	/* Nothing stored yet: the partition starts at start_num. */
	cr_assert_eq(ids_first_at_or_above(0, 3, 10), 3);
	cr_assert_eq(ids_first_at_or_above(3, 3, 10), 3);
	/* Other partitions reached 1001: the next value of residue 3. */
	cr_assert_eq(ids_first_at_or_above(1001, 3, 10), 1003);
	cr_assert_eq(ids_first_at_or_above(1003, 3, 10), 1003);
	cr_assert_eq(ids_first_at_or_above(1004, 3, 10), 1013);
	cr_assert_eq(ids_first_at_or_above(1000, 0, 10), 1000);
	cr_assert_eq(ids_first_at_or_above(57, 1, 1), 57);
}

Test(ids, loom_formats)
{
	char c[32], j[48], t[64];

	cr_assert_str_eq(ids_format_cluster(79, c, sizeof c), "00000079");
	cr_assert_str_eq(ids_format_job(c, 1, j, sizeof j), "00000079-001");
	cr_assert_str_eq(ids_format_task("00000001-002", 71, t, sizeof t),
	    "00000001-002-071");
	/* %03d is a minimum width. */
	cr_assert_str_eq(ids_format_task("00000001-002", 1234, t, sizeof t),
	    "00000001-002-1234");
	cr_assert_str_eq(ids_format_cluster(123456789, c, sizeof c),
	    "123456789");
}
