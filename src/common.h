/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common.h - the one include shared by every loomd module: logging,
 * fatal-on-OOM allocators, the caller-owned error buffer size and a few
 * attributes.  Nothing else belongs here (see docs/HACKING.md).
 */
#ifndef LOOMD_COMMON_H
#define LOOMD_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Size of every caller-owned error buffer: char err[LOOMD_ERR_LEN]. */
#define LOOMD_ERR_LEN 512

#define UNUSED __attribute__((unused))
#define LOOMD_MUSTCHECK __attribute__((warn_unused_result))
#define LOOMD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LOOMD_NORETURN __attribute__((noreturn))

/*
 * *ts = now on clock clk plus ms milliseconds (ms >= 0): the absolute
 * deadline pthread_cond_timedwait() takes on a condition of that clock.
 */
static inline void
common_deadline_ms(clockid_t clk, int64_t ms, struct timespec *ts)
{
	clock_gettime(clk, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Now on clock clk, in milliseconds. */
static inline int64_t
common_now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Log levels, lowest is most severe. */
enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Set the current level; safe to call from a signal-driven reload. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error"/"warn"/"info"/"debug"; returns -1 if unknown. */
int log_level_parse(const char *s, enum log_level *out) LOOMD_MUSTCHECK;
/* Set the request id printed on this thread's lines (0 = none). */
void log_set_request_id(unsigned long long id);

void log_msg(enum log_level level, const char *fmt, ...) LOOMD_PRINTF(2, 3);
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    LOOMD_PRINTF(2, 0);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { \
		if (log_get_level() >= LOG_LEVEL_DEBUG) \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

/* Log at error level with ": strerror(errno)" appended, then exit(1). */
void fatal(const char *fmt, ...) LOOMD_PRINTF(1, 2) LOOMD_NORETURN;
/* Log at error level, then exit(1). */
void fatalx(const char *fmt, ...) LOOMD_PRINTF(1, 2) LOOMD_NORETURN;

/*
 * Allocators that never return NULL: on failure they log and exit.
 * Memory from all of them is released with free().
 */
void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Caller frees the returned string with free(). */
char *xasprintf(const char *fmt, ...) LOOMD_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) LOOMD_PRINTF(1, 0);
/* Abort via fatalx() if p is NULL (for library allocations); p is
 * evaluated once. */
#define xcheck(p) \
	__extension__({ \
		__typeof__(p) xcheck_p_ = (p); \
		if (xcheck_p_ == NULL) \
			fatalx("%s: out of memory", __func__); \
		xcheck_p_; \
	})

#endif /* LOOMD_COMMON_H */
