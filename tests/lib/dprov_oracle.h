/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dprov_oracle.h - the reading of a take's answer that
 * loom-dummy-provisioner's cursor (src/dprov_scan.c) is held to: json-c's,
 * as the provisioner read it before.  Shared by test_dprov_scan and
 * fuzz_dprov.
 */
#ifndef LOOMD_DPROV_ORACLE_H
#define LOOMD_DPROV_ORACLE_H

#include <stddef.h>

#include "common.h"

/*
 * What dprov_oracle_check() found: DIFFER, a value differs or only the
 * cursor accepted (a bug); STRICTER, only json-c accepted (it reads more
 * than RFC 8259: "1.", trailing commas); REFUSED, both refused; ALIKE,
 * both accepted, with the same values.
 */
enum dprov_oracle_verdict {
	DPROV_ORACLE_DIFFER = -2,
	DPROV_ORACLE_STRICTER = -1,
	DPROV_ORACLE_REFUSED = 0,
	DPROV_ORACLE_ALIKE = 1,
};

/*
 * Read the len bytes at body with dprov_task_parse() and with json-c, and
 * compare.  For DPROV_ORACLE_DIFFER, why says what differs.
 */
enum dprov_oracle_verdict dprov_oracle_check(const char *body, size_t len,
    char why[LOOMD_ERR_LEN]);

#endif
