/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ids.c - the ID partition registry and the block allocator (see ids.h and
 * DESIGN.md section 5).
 */
#include "config.h"

#include "ids.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cfg.h"

static const char *ids_kind_names[IDS_KIND_COUNT] = { "cluster", "job",
	"task" };

/* One in-memory block per kind: values next, next+inc, ... < end. */
struct ids_block {
	int64_t next;
	int64_t left;
	uint64_t blocks;
};

/*
 * ids_lock guards the in-memory blocks and the pool of idle allocator
 * connections, and is never held across database I/O: a thread that
 * needs a new block takes a connection from the pool (or opens one),
 * reserves the block with the lock released, then installs it.  Two
 * threads refilling at once each reserve a block of their own; the spare
 * values of the one that loses are dropped (a gap, never a duplicate).
 */
#define IDS_POOL_MAX 4
static const struct cfg *ids_cfg;
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ids_block ids_blocks[IDS_KIND_COUNT];
static struct db_conn *ids_pool[IDS_POOL_MAX];
static size_t ids_npool;

const char *
ids_kind_name(enum ids_kind kind)
{
	return ids_kind_names[kind];
}

int
ids_validate_local(int64_t start_num, int64_t increment_by,
    char err[LOOMD_ERR_LEN])
{
	if (increment_by < 1) {
		snprintf(err, LOOMD_ERR_LEN,
		    "increment_by must be at least 1 "
		    "(got %" PRId64 ")",
		    increment_by);
		return -1;
	}
	if (start_num < 0) {
		snprintf(err, LOOMD_ERR_LEN,
		    "start_num must not be negative "
		    "(got %" PRId64 ")",
		    start_num);
		return -1;
	}
	if (increment_by > 1 && start_num >= increment_by) {
		snprintf(err, LOOMD_ERR_LEN,
		    "start_num (%" PRId64 ") must be "
		    "less than increment_by (%" PRId64 ")",
		    start_num, increment_by);
		return -1;
	}
	return 0;
}

int64_t
ids_first_at_or_above(int64_t floor, int64_t start_num, int64_t increment_by)
{
	int64_t v, r = start_num % increment_by;

	if (floor <= start_num)
		return start_num;
	/* Smallest v >= floor with v mod inc == r. */
	v = floor - (floor % increment_by) + r;
	if (v < floor)
		v += increment_by;
	return v;
}

struct ids_reg {
	const struct cfg *cfg;
	char *msg; /* refusal, LOOMD_ERR_LEN */
};

/* The registration transaction (see ids_register()). */
static enum db_status
ids_register_tx(struct db_conn *c, void *arg)
{
	struct ids_reg *reg = arg;
	const struct cfg *k = reg->cfg;
	int64_t residue = cfg_ids_residue(k), floor, first;
	bool self_known = false;
	struct db_rows *r = NULL;
	enum db_status st;
	size_t i, others = 0;
	int kind;

	/*
	 * A datacenter already registered with these values, whose
	 * counters exist, needs no write at all: restarts stay free of
	 * certification conflicts.
	 */
	if ((st = db_query(c,
		 "SELECT p.start_num, p.increment_by, "
		 "(SELECT COUNT(*) FROM id_counters k WHERE k.residue = "
		 "p.residue) FROM id_partitions p WHERE p.datacenter = ?",
		 &r, "s", k->datacenter)) != DB_OK)
		return st;
	if (r->nrows == 1 && db_rows_int(r, 0, 0) == k->ids_start_num &&
	    db_rows_int(r, 0, 1) == k->ids_increment_by &&
	    db_rows_int(r, 0, 2) == IDS_KIND_COUNT) {
		db_rows_free(r);
		return DB_OK;
	}
	db_rows_free(r);
	r = NULL;

	/* Serialise every registration across the whole cluster. */
	if ((st = db_exec(c,
		 "UPDATE id_registry SET generation = "
		 "generation + 1 WHERE id = 1",
		 NULL, "")) != DB_OK)
		return st;
	if ((st = db_query(c,
		 "SELECT datacenter, start_num, increment_by, "
		 "residue FROM id_partitions ORDER BY datacenter FOR UPDATE",
		 &r, "")) != DB_OK)
		return st;
	for (i = 0; i < r->nrows; i++) {
		const char *dc = db_rows_get(r, i, 0);
		int64_t s = db_rows_int(r, i, 1), inc = db_rows_int(r, i, 2);
		int64_t res = db_rows_int(r, i, 3);

		if (strcmp(dc, k->datacenter) == 0) {
			if (s != k->ids_start_num ||
			    inc != k->ids_increment_by) {
				snprintf(reg->msg, LOOMD_ERR_LEN,
				    "datacenter %s is registered with "
				    "start_num %" PRId64
				    ", increment_by %" PRId64
				    " but this configuration has "
				    "start_num %" PRId64
				    ", increment_by %" PRId64
				    "; IDs already issued would "
				    "collide",
				    dc, s, inc, k->ids_start_num,
				    k->ids_increment_by);
				goto refuse;
			}
			self_known = true;
			continue;
		}
		others++;
		if (inc != k->ids_increment_by) {
			snprintf(reg->msg, LOOMD_ERR_LEN,
			    "datacenter %s uses "
			    "increment_by %" PRId64 " (start_num %" PRId64
			    ") but this configuration has increment_by %" PRId64
			    "; every datacenter must use the same "
			    "increment_by",
			    dc, inc, s, k->ids_increment_by);
			goto refuse;
		}
		if (res == residue) {
			snprintf(reg->msg, LOOMD_ERR_LEN,
			    "datacenter %s "
			    "already holds residue %" PRId64
			    " (start_num %" PRId64 ", increment_by %" PRId64
			    "); choose "
			    "another ids.start_num",
			    dc, res, s, inc);
			goto refuse;
		}
	}
	/*
	 * Keep a free residue: with increment_by N at most N - 1
	 * datacenters (a single datacenter may use increment_by 1).
	 */
	if (!self_known && k->ids_increment_by > 1 &&
	    (int64_t)others + 1 >= k->ids_increment_by) {
		snprintf(reg->msg, LOOMD_ERR_LEN,
		    "registering datacenter %s "
		    "would make %zu datacenters with increment_by %" PRId64
		    ", leaving no free residue; raise ids.increment_by in "
		    "every datacenter",
		    k->datacenter, others + 1, k->ids_increment_by);
		goto refuse;
	}
	db_rows_free(r);
	r = NULL;
	if (!self_known &&
	    (st = db_exec(c,
		 "INSERT INTO id_partitions "
		 "(datacenter, start_num, increment_by, residue) VALUES "
		 "(?, ?, ?, ?)",
		 NULL, "siii", k->datacenter, k->ids_start_num,
		 k->ids_increment_by, residue)) != DB_OK)
		return st;
	for (kind = 0; kind < IDS_KIND_COUNT; kind++) {
		if ((st = db_query(c,
			 "SELECT next_value FROM id_counters "
			 "WHERE kind = ? AND residue = ? FOR UPDATE",
			 &r, "si", ids_kind_names[kind], residue)) != DB_OK)
			return st;
		i = r->nrows;
		db_rows_free(r);
		r = NULL;
		if (i != 0)
			continue;
		/* A new counter starts above every ID of its kind. */
		if ((st = db_query(c,
			 "SELECT COALESCE(MAX(next_value), 0) "
			 "FROM id_counters WHERE kind = ?",
			 &r, "s", ids_kind_names[kind])) != DB_OK)
			return st;
		floor = db_rows_int(r, 0, 0);
		db_rows_free(r);
		r = NULL;
		first = ids_first_at_or_above(floor, k->ids_start_num,
		    k->ids_increment_by);
		if ((st = db_exec(c,
			 "INSERT INTO id_counters (kind, residue, "
			 "next_value) VALUES (?, ?, ?)",
			 NULL, "sii", ids_kind_names[kind], residue, first)) !=
		    DB_OK)
			return st;
	}
	return DB_OK;
refuse:
	db_rows_free(r);
	return DB_ABORT;
}

enum ids_result
ids_register(struct db_conn *c, const struct cfg *cfg, char err[LOOMD_ERR_LEN])
{
	char msg[LOOMD_ERR_LEN] = "", txerr[LOOMD_ERR_LEN] = "";
	struct ids_reg reg = { cfg, msg };
	enum db_status st;

	if (ids_validate_local(cfg->ids_start_num, cfg->ids_increment_by,
		err) != 0)
		return IDS_REFUSED;
	st = db_tx_run(c, ids_register_tx, &reg, txerr);
	if (st == DB_ABORT) {
		snprintf(err, LOOMD_ERR_LEN, "%s", msg);
		return IDS_REFUSED;
	}
	if (st == DB_CONFLICT) {
		/* Lost a race on the residue's unique key. */
		snprintf(err, LOOMD_ERR_LEN,
		    "another datacenter registered "
		    "residue %" PRId64 " at the same moment; choose another "
		    "ids.start_num",
		    cfg_ids_residue(cfg));
		return IDS_REFUSED;
	}
	if (st != DB_OK) {
		snprintf(err, LOOMD_ERR_LEN, "register ID partition: %s",
		    txerr);
		return IDS_DB_FAILED;
	}
	return IDS_OK;
}

void
ids_init(const struct cfg *cfg)
{
	ids_cfg = cfg;
	memset(ids_blocks, 0, sizeof ids_blocks);
}

void
ids_shutdown(void)
{
	pthread_mutex_lock(&ids_lock);
	while (ids_npool > 0)
		db_close(ids_pool[--ids_npool]);
	pthread_mutex_unlock(&ids_lock);
}

struct ids_reserve {
	enum ids_kind kind;
	int64_t count; /* values to reserve */
	int64_t first;
};

/* Reserve the next block of this datacenter's counter row. */
static enum db_status
ids_reserve_tx(struct db_conn *c, void *arg)
{
	struct ids_reserve *rs = arg;
	const struct cfg *k = ids_cfg;
	int64_t residue = cfg_ids_residue(k);
	struct db_rows *r;
	enum db_status st;
	uint64_t n = 0;

	if ((st = db_query(c,
		 "SELECT next_value FROM id_counters WHERE "
		 "kind = ? AND residue = ? FOR UPDATE",
		 &r, "si", ids_kind_names[rs->kind], residue)) != DB_OK)
		return st;
	if (r->nrows != 1) {
		db_rows_free(r);
		return DB_ERROR;
	}
	rs->first = db_rows_int(r, 0, 0);
	db_rows_free(r);
	return db_exec(c,
	    "UPDATE id_counters SET next_value = ?, blocks = "
	    "blocks + 1 WHERE kind = ? AND residue = ?",
	    &n, "isi", rs->first + k->ids_increment_by * rs->count,
	    ids_kind_names[rs->kind], residue);
}

/*
 * Reserve a block of rs->count values on an allocator connection, with
 * ids_lock not held.  Returns DB_OK with rs->first set, or the failure.
 */
static enum db_status
ids_refill(struct ids_reserve *rs, char err[LOOMD_ERR_LEN])
{
	struct db_conn *c = NULL;
	enum db_status st = DB_OK;

	pthread_mutex_lock(&ids_lock);
	if (ids_npool > 0)
		c = ids_pool[--ids_npool];
	pthread_mutex_unlock(&ids_lock);
	if (c == NULL && (c = db_connect(DB_ROLE_WORKER, &st, err)) == NULL)
		return st;
	if ((st = db_tx_run(c, ids_reserve_tx, rs, err)) == DB_ERROR)
		snprintf(err, LOOMD_ERR_LEN,
		    "no id_counters row for %s: "
		    "partition not registered",
		    ids_kind_names[rs->kind]);
	if (db_connected(c)) {
		pthread_mutex_lock(&ids_lock);
		if (ids_npool < IDS_POOL_MAX) {
			ids_pool[ids_npool++] = c;
			c = NULL;
		}
		pthread_mutex_unlock(&ids_lock);
	}
	db_close(c);
	return st;
}

/*
 * Take count consecutive ids of kind into *first: from the current block
 * when it has room, else from a new run of want ids reserved in the
 * database; with keep, what the caller does not take of that run becomes
 * the current block (unless another caller refilled it meanwhile).
 */
static enum db_status
ids_take(enum ids_kind kind, int64_t count, int64_t want, bool keep,
    int64_t *first, char err[LOOMD_ERR_LEN])
{
	struct ids_block *b = &ids_blocks[kind];
	struct ids_reserve rs = { kind, want, 0 };
	enum db_status st;

	pthread_mutex_lock(&ids_lock);
	if (count <= b->left) {
		/* The current block has room: take a run of it. */
		*first = b->next;
		b->next += ids_cfg->ids_increment_by * count;
		b->left -= count;
		pthread_mutex_unlock(&ids_lock);
		return DB_OK;
	}
	pthread_mutex_unlock(&ids_lock);
	if ((st = ids_refill(&rs, err)) != DB_OK)
		return st;
	pthread_mutex_lock(&ids_lock);
	b->blocks++;
	if (keep && b->left == 0) {
		/* The rest of the new block serves the next callers. */
		b->next = rs.first + ids_cfg->ids_increment_by * count;
		b->left = rs.count - count;
	}
	pthread_mutex_unlock(&ids_lock);
	*first = rs.first;
	return DB_OK;
}

enum db_status
ids_next(enum ids_kind kind, int64_t *out, char err[LOOMD_ERR_LEN])
{
	return ids_take(kind, 1, ids_cfg->ids_block_size, true, out, err);
}

enum db_status
ids_reserve(enum ids_kind kind, int64_t count, int64_t *first,
    char err[LOOMD_ERR_LEN])
{
	return ids_take(kind, count, count, false, first, err);
}

uint64_t
ids_blocks_reserved(enum ids_kind kind)
{
	uint64_t n;

	pthread_mutex_lock(&ids_lock);
	n = ids_blocks[kind].blocks;
	pthread_mutex_unlock(&ids_lock);
	return n;
}

char *
ids_format_cluster(int64_t id, char *out, size_t n)
{
	snprintf(out, n, "%08" PRId64, id);
	return out;
}

char *
ids_format_job(const char *cluster, int64_t num, char *out, size_t n)
{
	snprintf(out, n, "%s-%03" PRId64, cluster, num);
	return out;
}

char *
ids_format_task(const char *job, int64_t num, char *out, size_t n)
{
	snprintf(out, n, "%s-%03" PRId64, job, num);
	return out;
}
