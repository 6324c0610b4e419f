/* SPDX-License-Identifier: Apache-2.0 */
/*
 * errbuf.c - filling caller-owned error buffers (see errbuf.h).
 */
#include "config.h"

#include "errbuf.h"

#include <stdarg.h>
#include <stdio.h>

void
errbuf_set(char err[LOOMD_ERR_LEN], const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err, LOOMD_ERR_LEN, fmt, ap);
	va_end(ap);
}
