/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_dprov.c - libFuzzer target for loom-dummy-provisioner's reading of
 * a take's answer (src/dprov_scan.c): the input bytes are read with the
 * cursor and with json-c (tests/lib/dprov_oracle.c), and the target aborts
 * where they differ: the cursor accepts what json-c refuses, or reads
 * other values.  Build: "make fuzz".
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "dprov_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[LOOMD_ERR_LEN];

	if (dprov_oracle_check((const char *)data, size, why) ==
	    DPROV_ORACLE_DIFFER) {
		fprintf(stderr, "fuzz_dprov: %s\n", why);
		abort();
	}
	return 0;
}
