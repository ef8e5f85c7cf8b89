// SPDX-License-Identifier: MIT
/*
 * Health-check claims: a VIP with `check` is claimed by this node while
 * its command keeps passing (rise passes in a row) and released after
 * fall failures in a row; a run that outlasts its timeout failed.  A
 * passing node claims an unassigned VIP, or queues a waiting claim behind
 * a holder; it never takes the VIP from a holder by itself, so a recovered
 * node waits.  Checks run like hooks: no capabilities, normal priority.
 */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "check.h"
#include "conf_parse.h"
#include "hooks.h"
#include "log.h"
#include "vipd.h"

#define CHECK_ARGS_MAX 16

static const char *const health_name[] = {
	[CHECK_UNKNOWN] = "unknown",
	[CHECK_PASSING] = "passing",
	[CHECK_FAILING] = "failing",
};

static void check_exec(const struct conf_vip *v)
{
	char cmd[CONF_PATH_MAX], env_vip[CONF_NAME_MAX + 9];
	char *argv[CHECK_ARGS_MAX + 1], *save = NULL;
	char *envp[] = { (char *)(uintptr_t)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			 env_vip, NULL };
	unsigned n = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	snprintf(cmd, sizeof(cmd), "%s", v->check);
	snprintf(env_vip, sizeof(env_vip), "VIPD_VIP=%s", v->name);
	for (char *w = strtok_r(cmd, " \t", &save); w && n < CHECK_ARGS_MAX;
	     w = strtok_r(NULL, " \t", &save))
		argv[n++] = w;
	argv[n] = NULL;
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	hooks_child_prepare();
	if (n)
		execve(argv[0], argv, envp);
	_exit(127);
}

/* Asks the core for what the health now wants of this node. */
void vipd_check_act(struct vipd *d, unsigned vip)
{
	struct vipd_check *k = d->checks ? &d->checks[vip] : NULL;
	const char *name = d->conf.vips[vip].name;
	char why[CTL_REASON_MAX];
	struct core_vip_info vi;
	uint64_t id;

	if (!k || k->health == CHECK_UNKNOWN)
		return;
	core_vip_get(d->core, vip, &vi);
	if (k->health == CHECK_FAILING) {
		if (k->reqid)
			(void)core_cancel(d->core, name, k->reqid);
		else if (vi.holder == d->self_id &&
			 core_release_held(d->core, name, vi.term, ++d->reqid,
					   why, sizeof(why)) == 0)
			log_notice("VIP '%s': check failing, releasing it at "
				   "term %" PRIu64, name, vi.term);
		vipd_schedule(d);
		return;
	}
	if (k->reqid || vi.holder == d->self_id || (vi.holder && vi.waiter))
		return;
	id = ++d->reqid;
	if (core_claim(d->core, name, 0, vi.holder ? CORE_CLAIM_QUEUE : 0, id, why,
		       sizeof(why)) == 0) {
		k->reqid = id;
		log_debug("VIP '%s': check passing, claiming it%s", name,
			 vi.holder ? " (waiting for its holder)" : "");
		vipd_schedule(d);
	}
}

static void check_result(struct vipd *d, unsigned vip, int pass,
			 const char *what)
{
	struct vipd_check *k = &d->checks[vip];
	const struct conf_vip *v = &d->conf.vips[vip];
	enum check_health was = k->health;

	k->runs++;
	k->rise = pass ? k->rise + 1 : 0;
	k->fall = pass ? 0 : k->fall + 1;
	if (k->rise >= v->check_rise)
		k->health = CHECK_PASSING;
	else if (k->fall >= v->check_fall)
		k->health = CHECK_FAILING;
	snprintf(k->last, sizeof(k->last), "%s", what);
	if (k->health != was)
		log_notice("VIP '%s': check %s (%s)", v->name,
			   health_name[k->health], what);
	vipd_check_act(d, vip);
}

static int on_exit_child(struct ev_src *s, const siginfo_t *si, void *ud)
{
	struct vipd_check *k = ud;
	char what[64];

	if (si->si_code == CLD_EXITED)
		snprintf(what, sizeof(what), "exit status %d", si->si_status);
	else
		snprintf(what, sizeof(what), "%s signal %d",
			 k->timed_out ? "timed out," : "killed by",
			 si->si_status);
	k->child = ev_src_free(k->child);
	k->deadline = ev_src_free(k->deadline);
	check_result(k->d, k->vip,
		     si->si_code == CLD_EXITED && si->si_status == 0, what);
	return 0;
}

static int on_deadline(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd_check *k = ud;

	k->timed_out = 1;
	(void)ev_src_kill(k->child, SIGKILL);
	return 0;
}

static int on_run(struct ev_src *s, uint64_t usec, void *ud)
{
	struct vipd_check *k = ud;
	const struct conf_vip *v = &k->d->conf.vips[k->vip];
	pid_t pid;

	(void)ev_src_set_time(s, usec + v->check_interval_ms * 1000ull);
	(void)ev_src_set_enabled(s, EV_ONESHOT);
	if (k->child)
		return 0; /* the last run is still being killed */
	k->timed_out = 0;
	pid = fork();
	if (pid == 0)
		check_exec(v);
	if (pid == -1 ||
	    ev_add_child(k->d->ev, &k->child, pid, on_exit_child, k) < 0 ||
	    ev_add_time_relative(k->d->ev, &k->deadline,
				 v->check_timeout_ms * 1000ull, on_deadline,
				 k) < 0) {
		if (pid > 0 && !k->child)
			kill(pid, SIGKILL);
		k->deadline = ev_src_free(k->deadline);
		check_result(k->d, k->vip, 0, "could not start the check");
	}
	return 0;
}

/* vip has a check and this node may hold it. */
static int checked_here(const struct vipd *d, unsigned vip)
{
	int self = conf_self_index(&d->conf);

	return d->conf.vips[vip].check[0] && self >= 0 &&
	       (d->conf.vips[vip].eligible >> self) & 1u;
}

int vipd_checks_start(struct vipd *d)
{
	/* a slot for each VIP a reload may add (never with a check: its
	 * zeroed entry stays CHECK_UNKNOWN and untouched) */
	d->checks = calloc(conf_vip_room(&d->conf) + 1, sizeof(*d->checks));
	if (!d->checks)
		return -ENOMEM;
	for (unsigned i = 0; i < d->conf.nvips; i++) {
		struct vipd_check *k = &d->checks[i];

		k->d = d;
		k->vip = i;
		if (checked_here(d, i) &&
		    ev_add_time_relative(d->ev, &k->timer, 0, on_run, k) < 0)
			return -ENOMEM;
	}
	return 0;
}

void vipd_check_reply(struct vipd *d, uint64_t reqid, enum core_err err,
		      uint64_t term)
{
	for (unsigned i = 0; d->checks && i < d->conf.nvips; i++) {
		if (!reqid || d->checks[i].reqid != reqid)
			continue;
		d->checks[i].reqid = 0;
		if (err == CORE_OK)
			log_notice("VIP '%s': claimed on a passing check, term "
				   "%" PRIu64, d->conf.vips[i].name, term);
		/* A grant that came after the check failed goes at once. */
		vipd_check_act(d, i);
	}
}

struct json_object *vipd_check_json(struct vipd *d, unsigned vip)
{
	const struct vipd_check *k = d->checks ? &d->checks[vip] : NULL;
	struct json_object *o;

	if (!k || !checked_here(d, vip))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(
		health_name[k->health]));
	json_object_object_add(o, "passes", json_object_new_int(
		(int)k->rise));
	json_object_object_add(o, "failures", json_object_new_int(
		(int)k->fall));
	json_object_object_add(o, "runs", json_object_new_int64(
		(int64_t)k->runs));
	json_object_object_add(o, "last", json_object_new_string(k->last));
	return o;
}

void vipd_checks_free(struct vipd *d)
{
	for (unsigned i = 0; d->checks && i < d->conf.nvips; i++) {
		struct vipd_check *k = &d->checks[i];

		ev_src_kill(k->child, SIGKILL);
		ev_src_free(k->timer);
		ev_src_free(k->child);
		ev_src_free(k->deadline);
	}
	free(d->checks);
	d->checks = NULL;
}
