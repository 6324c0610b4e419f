/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_listen.c - the libmicrohttpd listeners: the API listener
 * (server.port), the health listener (server.health_port, a thread of its
 * own) and the provisioner listener (server.tasks_port), their connection
 * limits (server.max_connections, server.max_connections_per_ip), the
 * descriptor limit they need, and the header sweeper: a thread that closes
 * connections that have not sent their request headers within
 * server.header_timeout_ms.
 */
#include "config.h"

#include "http.h"
#include "http_int.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgthread.h"
#include "cfg.h"
#include "metrics.h"

/* Connections the health listener accepts. */
#define HTTP_LISTEN_HEALTH_MAX_CONNECTIONS 128

static struct MHD_Daemon *http_listen_api_daemon;
static struct MHD_Daemon *http_listen_health_daemon;
static struct MHD_Daemon *http_listen_tasks_daemon;
static struct http_listener http_listen_api = { NULL, HTTP_KIND_API };
static struct http_listener http_listen_health = { NULL, HTTP_KIND_HEALTH };
static struct http_listener http_listen_tasks = { NULL, HTTP_KIND_TASKS };
static pthread_mutex_t http_listen_socks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_sock *http_listen_socks;
static int64_t http_listen_sweep(void *arg);
static struct bgthread http_listen_sweeper =
    BGTHREAD_INIT("header sweeper", http_listen_sweep, NULL, NULL);

/* The connection's struct http_sock, or NULL. */
struct http_sock *
http_listen_sock_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
http_listen_sock_request(struct MHD_Connection *conn)
{
	struct http_sock *sk = http_listen_sock_of(conn);

	if (sk == NULL)
		return;
	pthread_mutex_lock(&http_listen_socks_lock);
	sk->in_request = true;
	pthread_mutex_unlock(&http_listen_socks_lock);
}

void
http_listen_sock_done(struct MHD_Connection *conn)
{
	struct http_sock *sk = http_listen_sock_of(conn);

	if (sk == NULL)
		return;
	/* The next request's headers are due from now. */
	pthread_mutex_lock(&http_listen_socks_lock);
	sk->in_request = false;
	sk->kept_alive = true;
	sk->bad_nul = false;
	clock_gettime(CLOCK_MONOTONIC, &sk->since);
	pthread_mutex_unlock(&http_listen_socks_lock);
}

/* Track connections from accept to close for the header sweeper. */
static void
http_listen_notify(void *cls UNUSED, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	struct http_sock *sk = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		sk = xcalloc(1, sizeof *sk);
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		sk->fd = ci != NULL ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &sk->since);
		pthread_mutex_lock(&http_listen_socks_lock);
		sk->next = http_listen_socks;
		if (http_listen_socks != NULL)
			http_listen_socks->prev = sk;
		http_listen_socks = sk;
		pthread_mutex_unlock(&http_listen_socks_lock);
		*socket_context = sk;
		return;
	}
	if (sk == NULL)
		return;
	/* MHD closes the socket only after this returns. */
	pthread_mutex_lock(&http_listen_socks_lock);
	if (sk->prev != NULL)
		sk->prev->next = sk->next;
	else
		http_listen_socks = sk->next;
	if (sk->next != NULL)
		sk->next->prev = sk->prev;
	pthread_mutex_unlock(&http_listen_socks_lock);
	free(sk);
	*socket_context = NULL;
}

/*
 * The header sweeper: shut down every connection whose request headers
 * are overdue, however slowly they trickle (MHD's idle timeout restarts on
 * every byte): server.header_timeout_ms after the connection opened, or
 * that plus server.connection_timeout_s after the previous answer on a
 * keep-alive connection (an idle one is closed by MHD's idle timeout
 * before, so a proxy's pooled connections live as long as they did).  The
 * socket stays open until MHD sees the shutdown and closes the connection,
 * so no descriptor is reused under us.
 */
static int64_t
http_listen_sweep(void *arg UNUSED)
{
	int64_t limit = http_cfg->server_header_timeout_ms;
	int64_t kept = limit + http_cfg->server_connection_timeout_s * 1000;
	struct timespec now;
	struct http_sock *sk;

	pthread_mutex_lock(&http_listen_socks_lock);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (sk = http_listen_socks; sk != NULL; sk = sk->next) {
		if (sk->in_request || sk->closing || sk->fd < 0)
			continue;
		if ((now.tv_sec - sk->since.tv_sec) * 1000 +
			(now.tv_nsec - sk->since.tv_nsec) / 1000000 <=
		    (sk->kept_alive ? kept : limit))
			continue;
		sk->closing = true;
		shutdown(sk->fd, SHUT_RDWR);
		metrics_header_timeout();
	}
	pthread_mutex_unlock(&http_listen_socks_lock);
	return limit / 4 < 200 ? limit / 4 : 200;
}

/* libmicrohttpd's own error messages go to our log. */
static void
http_listen_mhd_log(void *cls UNUSED, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/*
 * Listen on host:port (0 = any free port) and serve listener l (borrowed,
 * static) with threads worker threads (1: the polling thread itself) and
 * at most maxconn connections.  Returns the daemon and the bound port, or
 * NULL with err.
 */
static struct MHD_Daemon *
http_listen_daemon(const struct cfg *cfg, const char *host, int port,
    unsigned int threads, unsigned int maxconn, struct http_listener *l,
    int *bound, char err[LOOMD_ERR_LEN])
{
	struct sockaddr_storage ss;
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *info;
	struct MHD_Daemon *d;
	char portstr[16];
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof portstr, "%d", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &ai)) != 0) {
		snprintf(err, LOOMD_ERR_LEN, "address %s: %s", host,
		    gai_strerror(rc));
		return NULL;
	}
	memset(&ss, 0, sizeof ss);
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
		MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    (uint16_t)port, NULL, NULL, http_access, (void *)l,
	    MHD_OPTION_EXTERNAL_LOGGER, http_listen_mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)cfg->server_connection_timeout_s,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, http_listen_notify, NULL,
	    MHD_OPTION_UNESCAPE_CALLBACK, http_edge_unescape, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, maxconn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)cfg->server_max_connections_per_ip,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    /* Last: one thread is no pool (MHD warns about a pool of 1). */
	    threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
	    threads, MHD_OPTION_END);
	if (d == NULL) {
		snprintf(err, LOOMD_ERR_LEN, "cannot listen on %s port %d",
		    host, port);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*bound = info != NULL ? info->port : port;
	return d;
}

/*
 * Raise the descriptor limit to its hard limit and warn when it is still
 * too low for the configured connections (accepts would then fail for
 * every listener, the health listener and the database included).
 */
static void
http_listen_check_fds(const struct cfg *cfg)
{
	struct rlimit rl;
	long long need;

	need = cfg->server_max_connections +
	    HTTP_LISTEN_HEALTH_MAX_CONNECTIONS +
	    (cfg->server_tasks_port != 0 ? cfg->server_max_connections : 0) +
	    2 * cfg->server_threads + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max && (long long)rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && (long long)rl.rlim_cur < need)
		log_warn("http: server.max_connections %lld needs about %lld "
			 "file descriptors but the limit is %llu; raise it "
			 "(LimitNOFILE= in loomd.service) or lower "
			 "server.max_connections",
		    (long long)cfg->server_max_connections, need,
		    (unsigned long long)rl.rlim_cur);
}

/* Stop every listener that runs. */
void
http_listen_stop(void)
{
	if (http_listen_api_daemon != NULL)
		MHD_stop_daemon(http_listen_api_daemon);
	http_listen_api_daemon = NULL;
	if (http_listen_tasks_daemon != NULL)
		MHD_stop_daemon(http_listen_tasks_daemon);
	http_listen_tasks_daemon = NULL;
	if (http_listen_health_daemon != NULL)
		MHD_stop_daemon(http_listen_health_daemon);
	http_listen_health_daemon = NULL;
	bgthread_stop(&http_listen_sweeper);
}

int
http_listen_start(const struct cfg *cfg, const struct api_route *const *tables,
    const struct api_route *const *probe_tables, int port, int *bound,
    char err[LOOMD_ERR_LEN])
{
	int hport, tport;

	http_listen_api.tables = tables;
	http_listen_tasks.tables = tables;
	http_listen_health.tables = probe_tables;
	http_listen_check_fds(cfg);
	if (bgthread_start(&http_listen_sweeper, err) == -1)
		return -1;
	if ((http_listen_api_daemon = http_listen_daemon(cfg, cfg->server_host,
		 port, (unsigned int)cfg->server_threads,
		 (unsigned int)cfg->server_max_connections, &http_listen_api,
		 bound, err)) == NULL)
		goto fail;
	/*
	 * The health listener has a thread of its own and serves only the
	 * cached probes, so /readyz answers even while every API thread
	 * waits on a stalled database.
	 */
	if (cfg->server_health_port > 0) {
		if ((http_listen_health_daemon = http_listen_daemon(cfg,
			 cfg->server_host, (int)cfg->server_health_port, 1,
			 HTTP_LISTEN_HEALTH_MAX_CONNECTIONS,
			 &http_listen_health, &hport, err)) == NULL)
			goto fail;
		log_info("http: health listener on %s port %d",
		    cfg->server_host, hport);
	}
	/* The provisioner routes, on an address of their own. */
	if (cfg->server_tasks_port > 0) {
		if ((http_listen_tasks_daemon = http_listen_daemon(cfg,
			 cfg->server_tasks_host, (int)cfg->server_tasks_port,
			 (unsigned int)(cfg->server_threads > 4 ?
				 4 :
				 cfg->server_threads),
			 (unsigned int)cfg->server_max_connections,
			 &http_listen_tasks, &tport, err)) == NULL)
			goto fail;
		log_info("http: provisioner listener on %s port %d%s",
		    cfg->server_tasks_host, tport,
		    cfg->tasks_token != NULL ? " (token required)" : "");
	} else if (cfg->tasks_token == NULL)
		log_info(
		    "http: /v1/loom/tasks/ is served on the API listener "
		    "without a token; set server.tasks_port to an internal "
		    "address or tasks.token_file");
	return 0;
fail:
	http_listen_stop();
	return -1;
}

bool
http_listen_quiesce(void)
{
	MHD_socket fd;

	if (http_listen_api_daemon == NULL)
		return false;
	fd = MHD_quiesce_daemon(http_listen_api_daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	return true;
}
