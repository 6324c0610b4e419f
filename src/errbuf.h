/* SPDX-License-Identifier: Apache-2.0 */
/*
 * errbuf.h - filling the caller-owned error buffer (char err[LOOMD_ERR_LEN])
 * that loomd's fallible functions take, in one place.
 */
#ifndef LOOMD_ERRBUF_H
#define LOOMD_ERRBUF_H

#include "common.h"

/*
 * Format a message into err, cut to LOOMD_ERR_LEN - 1 characters; err NULL
 * (a caller that does not want the message) is a no-op.
 */
void errbuf_set(char err[LOOMD_ERR_LEN], const char *fmt, ...)
    LOOMD_PRINTF(2, 3);

#endif /* LOOMD_ERRBUF_H */
