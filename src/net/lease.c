/* SPDX-License-Identifier: MIT */
/*
 * The lease gate in nftables through libnftables, on one long-lived
 * nft_ctx whose netlink socket owns the "vipd_lease" tables. Builds nft
 * syntax and runs each change as one atomic batch; never logs.
 *
 * libnftables (and what it pulls in: libgmp, libjansson, libxtables) is
 * opened with dlopen() and needed only to build the tables: once the
 * refresh runs as raw batches on the owner's socket, lease_retire()
 * keeps that socket, frees the context and unloads the library, and
 * holds and unholds go as raw batches too.  A daemon that lives for
 * months then carries neither its ~1.3 MiB of code nor its ~1.6 MiB
 * heap (parser, cache).
 *
 * Mark early, gate late: vipd_lease (priority -10) marks packets of held
 * VIPs while the lease element lives; vipd_gate (priority 0) drops every
 * unmarked packet of a configured VIP. A drop is final, an accept is not,
 * so the gate must be the one that drops.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <nftables/libnftables.h>

#include "net/lease.h"
#include "net/lease_nft.h"
#include "net/lease_raw.h"

#define SEEN_FDS 1024

#define NFT_SONAME "libnftables.so.1"

/* The calls of libnftables we use, looked up at lease_open(). */
struct nft_api {
	void *so;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_output)(struct nft_ctx *ctx);
	const char *(*get_error)(struct nft_ctx *ctx);
	int (*run)(struct nft_ctx *ctx, const char *buf);
};

struct lease {
	struct nft_api api;
	struct nft_ctx *nft; /* owned; its socket owns vipd_lease; NULL
				once retired */
	uint32_t mark;	     /* the lease mark bit, as a mask */
	char cmd[512];	     /* refresh batch */
	int rawfd;	     /* nft's socket for raw refreshes, or -1; ours
				once retired */
};

static int api_open(struct nft_api *a, char *reason, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{ "nft_ctx_new", offsetof(struct nft_api, ctx_new) },
		{ "nft_ctx_free", offsetof(struct nft_api, ctx_free) },
		{ "nft_ctx_buffer_output",
		  offsetof(struct nft_api, buffer_output) },
		{ "nft_ctx_buffer_error",
		  offsetof(struct nft_api, buffer_error) },
		{ "nft_ctx_get_output_buffer",
		  offsetof(struct nft_api, get_output) },
		{ "nft_ctx_get_error_buffer",
		  offsetof(struct nft_api, get_error) },
		{ "nft_run_cmd_from_buffer", offsetof(struct nft_api, run) },
	};

	a->so = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!a->so) {
		if (reason && len)
			snprintf(reason, len, "%s (install libnftables1)",
				 dlerror());
		return -ENOENT;
	}
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(a->so, syms[i].name);

		if (!f) {
			if (reason && len)
				snprintf(reason, len, "%s: no symbol %s",
					 NFT_SONAME, syms[i].name);
			dlclose(a->so);
			a->so = NULL;
			return -ENOSYS;
		}
		memcpy((char *)a + syms[i].off, &f, sizeof(f));
	}
	return 0;
}


static const int nft_errnos[] = {
	EPERM,	    ENOENT, EEXIST, EBUSY,   ENOMEM,
	EOPNOTSUPP, EINVAL, ENOSPC, ENOBUFS, EAFNOSUPPORT,
};

/* libnftables reports text only: recover the errno from it if we can */
static int nft_error(const char *err, char *reason, size_t len)
{
	size_t i, n = strcspn(err, "\n");

	if (reason && len)
		snprintf(reason, len, "nft: %.*s", (int)n, err);
	for (i = 0; i < sizeof(nft_errnos) / sizeof(nft_errnos[0]); i++)
		if (strstr(err, strerror(nft_errnos[i])))
			return -nft_errnos[i];
	return -EIO;
}

static int run(struct lease *l, char *buf, char *reason, size_t len)
{
	int r = 0;

	if (reason && len)
		reason[0] = '\0';
	if (!l->nft) {
		if (reason && len)
			snprintf(reason, len, "libnftables was unloaded after "
				 "start-up; restart vipd to change the gate");
		return -EOPNOTSUPP;
	}
	if (l->api.run(l->nft, buf) != 0)
		r = nft_error(l->api.get_error(l->nft), reason, len);
	/* rewinds both buffers for the next run */
	l->api.get_output(l->nft);
	l->api.get_error(l->nft);
	return r;
}


static int check_mark(uint32_t mark, char *reason, size_t len)
{
	if (mark != 0 && (mark & (mark - 1)) == 0)
		return 0;
	if (reason && len)
		snprintf(reason, len, "lease mark 0x%x is not a single bit",
			 mark);
	return -EINVAL;
}

/* builds the gate (and the owned tables if create) and runs it at once */
static int load(struct lease *l, const struct conf *conf, int create,
		char *reason, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r;

	r = check_mark(conf->lease_mark, reason, len);
	if (r < 0)
		return r;
	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	lease_nft_put_gate(f, conf);
	if (create)
		lease_nft_put_owned_tables(f);
	lease_nft_put_owned_rules(f, conf->lease_mark);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	r = run(l, buf, reason, len);
	free(buf);
	if (r == 0)
		l->mark = conf->lease_mark;
	return r;
}

/* libnftables points libgmp's allocator at its own functions: should
 * anything else keep libgmp loaded once libnftables is unloaded, those
 * would point into nothing.  Give libgmp back libc's (NULL: defaults). */
static void gmp_reset(void)
{
	void *gmp = dlopen("libgmp.so.10", RTLD_NOW | RTLD_NOLOAD);
	void (*set)(void *(*)(size_t), void *(*)(void *, size_t, size_t),
		    void (*)(void *, size_t));

	if (!gmp)
		return;
	*(void **)&set = dlsym(gmp, "__gmp_set_memory_functions");
	if (set)
		set(NULL, NULL, NULL);
	dlclose(gmp);
}

/* Free the context (if any) and unload libnftables. */
static void nft_unload(struct lease *l)
{
	if (l->nft)
		l->api.ctx_free(l->nft);
	l->nft = NULL;
	gmp_reset();
	dlclose(l->api.so);
	l->api.so = NULL;
}

int lease_open(const struct conf *conf, struct lease **ret_l, char *reason,
	       size_t len)
{
	uint8_t seen[SEEN_FDS];
	struct lease *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	r = api_open(&l->api, reason, len);
	if (r < 0)
		goto out_free;
	lease_raw_mark(seen, sizeof(seen));
	l->nft = l->api.ctx_new(NFT_CTX_DEFAULT);
	if (!l->nft) {
		r = -ENOMEM;
		goto out_unload;
	}
	if (l->api.buffer_output(l->nft) != 0 ||
	    l->api.buffer_error(l->nft) != 0) {
		r = -ENOMEM;
		goto out_unload;
	}
	r = load(l, conf, 1, reason, len);
	if (r < 0)
		goto out_unload;
	/* Refreshes go as raw batches on nft's own socket when it can be
	 * told apart and owns the tables; else through libnftables. */
	l->rawfd = lease_raw_find(seen, sizeof(seen));
	if (l->rawfd >= 0 && lease_raw_refresh(l->rawfd, 0, NULL, 0) < 0)
		l->rawfd = -1;
	*ret_l = l;
	return 0;

out_unload:
	nft_unload(l);
out_free:
	free(l);
	return r;
}

int lease_retire(struct lease *l, char *reason, size_t len)
{
	int fd;

	if (!l->nft)
		return 0;
	if (l->rawfd < 0) {
		if (reason && len)
			snprintf(reason, len, "no raw nf_tables socket: the "
				 "refresh needs libnftables");
		return -EOPNOTSUPP;
	}
	/* The socket, and with it the tables it owns, lives on in ours. */
	fd = fcntl(l->rawfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		if (reason && len)
			snprintf(reason, len, "dup: %s", strerror(errno));
		return -errno;
	}
	nft_unload(l);
	l->rawfd = fd;
	return 0;
}

int lease_gate_update(struct lease *l, const struct conf *conf, char *reason,
		      size_t len)
{
	return load(l, conf, 0, reason, len);
}

/* add (or, with del, add then delete: idempotent) the addresses of
 * v[0..n) as elements of sets[] (IPv4, ARP, IPv6), in one batch */
static int elements(struct lease *l, const char *const sets[3],
		    const struct conf_vip *v, unsigned n, int del,
		    char *reason, size_t len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int i, op, r;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		if (!lease_nft_count_addrs(v, n, i < 2 ? AF_INET : AF_INET6))
			continue;
		for (op = 0; op <= del; op++) {
			fprintf(f, "%s element %s { ", op ? "delete" : "add",
				sets[i]);
			lease_nft_put_addrs(f, v, n, i < 2 ? AF_INET : AF_INET6);
			fputs(" }\n", f);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	r = size ? run(l, buf, reason, len) : 0;
	free(buf);
	return r;
}

static int held(struct lease *l, const struct conf_vip *v, unsigned n,
		int del, char *reason, size_t len)
{
	static const char *const sets[3] = {
		"inet vipd_lease held4",
		"arp vipd_lease held4",
		"inet vipd_lease held6",
	};

	if (!l->nft)
		return lease_raw_held(l->rawfd, v, n, del, reason, len);
	return elements(l, sets, v, n, del, reason, len);
}

int lease_gate_add(struct lease *l, const struct conf_vip *v, char *reason,
		   size_t len)
{
	static const char *const sets[3] = {
		"inet vipd_gate vip4", "arp vipd_gate vip4",
		"inet vipd_gate vip6",
	};

	if (!l->nft)
		return lease_raw_gate_add(l->rawfd, v, reason, len);
	return elements(l, sets, v, 1, 0, reason, len);
}

int lease_gate_restore(struct lease *l, const struct conf *conf, char *reason,
		       size_t len)
{
	int loaded = !l->nft, r = 0;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	if (loaded) { /* retired: load libnftables for this one batch */
		r = api_open(&l->api, reason, len);
		if (r < 0)
			return r;
		l->nft = l->api.ctx_new(NFT_CTX_DEFAULT);
		if (!l->nft || l->api.buffer_output(l->nft) != 0 ||
		    l->api.buffer_error(l->nft) != 0)
			r = -ENOMEM;
	}
	f = r == 0 ? open_memstream(&buf, &size) : NULL;
	if (f) {
		lease_nft_put_gate(f, conf);
		r = fclose(f) == 0 ? run(l, buf, reason, len) : -ENOMEM;
		free(buf);
	} else if (r == 0) {
		r = -ENOMEM;
	}
	if (loaded)
		nft_unload(l);
	return r;
}

int lease_hold(struct lease *l, const struct conf_vip *v, char *reason,
	       size_t len)
{
	return held(l, v, 1, 0, reason, len);
}

int lease_hold_all(struct lease *l, const struct conf *conf, char *reason,
		   size_t len)
{
	return held(l, conf->vips, conf->nvips, 0, reason, len);
}

int lease_unhold(struct lease *l, const struct conf_vip *v, char *reason,
		 size_t len)
{
	return held(l, v, 1, 1, reason, len);
}

int lease_refresh(struct lease *l, uint32_t ms, char *reason, size_t len)
{
	static const char *const fmt =
		"add element inet vipd_lease lease { ipv4, ipv6 }\n"
		"delete element inet vipd_lease lease { ipv4, ipv6 }\n"
		"add element arp vipd_lease lease { 1 }\n"
		"delete element arp vipd_lease lease { 1 }\n";
	int n;

	if (l->rawfd >= 0)
		return lease_raw_refresh(l->rawfd, ms, reason, len);
	if (ms == 0)
		return run(l, strcpy(l->cmd, fmt), reason, len);
	n = snprintf(l->cmd, sizeof(l->cmd),
		     "%sadd element inet vipd_lease lease "
		     "{ ipv4 timeout %ums expires %ums, "
		     "ipv6 timeout %ums expires %ums }\n"
		     "add element arp vipd_lease lease "
		     "{ 1 timeout %ums expires %ums }\n",
		     fmt, ms, ms, ms, ms, ms, ms);
	if (n < 0 || (size_t)n >= sizeof(l->cmd))
		return -ENOBUFS;
	return run(l, l->cmd, reason, len);
}

int lease_raw_active(const struct lease *l)
{
	return l->rawfd >= 0;
}

void lease_free(struct lease *l)
{
	if (!l)
		return;
	if (l->api.so)
		nft_unload(l);
	else
		close(l->rawfd);
	free(l);
}
