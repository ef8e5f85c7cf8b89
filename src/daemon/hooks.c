// SPDX-License-Identifier: MIT
/*
 * Notify hooks.  Each VIP has a lane: its hooks run one at a time, in
 * the order of its events, so a release hook never overtakes the acquire
 * hook before it; lanes of different VIPs run side by side.  The child
 * drops every capability, sets no_new_privs, gets a fixed environment and
 * closes every fd but stdio; the daemon reaps it through a pidfd child
 * source and kills it after HOOK_TIMEOUT_US.  Never blocks in the loop.
 */
#define _GNU_SOURCE /* close_range */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "group.h"
#include "hooks.h"
#include "log.h"
#include "vipd.h"

#define HOOK_TIMEOUT_US 10000000ull
#define HOOK_QUEUE_MAX 64 /* per VIP; beyond, the oldest waiting is dropped */
#define HOOK_ADDRS_MAX (CONF_MAX_ADDRS * (INET6_ADDRSTRLEN + 5))

struct hook_job {
	struct hook_job *next;	    /* owned; in event order */
	char event[16];		    /* "acquire" | "release" */
	char term[24];		    /* decimal */
	char prev[CONF_NAME_MAX];   /* holder before the change, "" none */
	char holder[CONF_NAME_MAX]; /* holder after it, "" none */
	char reason[128];	    /* vipd's why */
	char path[CONF_PATH_MAX];   /* conf.notify when queued (a reload may
				     * change it) */
};

struct hook_lane {
	struct hook_job *head;	  /* owned; it runs when pid > 0 */
	unsigned n;		  /* jobs in queue */
	pid_t pid;		  /* the running hook, 0: none */
	uint64_t started_us;	  /* when it started (ev_mono_us()) */
	struct ev_src *child;	  /* owned, while pid > 0 */
	struct ev_src *timer;	  /* owned, while pid > 0 */
	struct vipd *d;		  /* back-pointer for the sources */
	char prev[CONF_NAME_MAX]; /* from the VIP's last core event */
	char why[128];
	uint64_t why_term; /* term of that event, 0: none */
};

struct vipd_hooks {
	unsigned n;		  /* lanes, one per VIP */
	struct hook_lane lanes[]; /* n entries */
};

static struct vipd_hooks *hooks_get(struct vipd *d)
{
	struct vipd_hooks *h = d->hooks;

	if (h)
		return h;
	h = calloc(1, sizeof(*h) +
			      conf_vip_room(&d->conf) * sizeof(h->lanes[0]));
	if (!h)
		return NULL;
	h->n = conf_vip_room(&d->conf); /* a reload may add VIPs */
	/* lanes of slots still empty stay untouched (no memory) until
	 * their first hook sets their back-pointer */
	d->hooks = h;
	return h;
}

static void addresses_text(const struct conf_vip *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned k = 0; k < v->naddrs && n < len; k++) {
		if (!inet_ntop(v->addrs[k].family, v->addrs[k].addr, a,
			       sizeof(a)))
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s/%u", n ? " " : "",
				      a, (unsigned)v->addrs[k].prefixlen);
	}
}

static void hook_exec(const struct vipd *d, const struct conf_vip *v,
		      const struct hook_job *j)
{
	static char env[9][HOOK_ADDRS_MAX + 32]; /* the child's own copy */
	char *const argv[] = {
		(char *)(uintptr_t)j->path, (char *)(uintptr_t)j->event,
		(char *)(uintptr_t)v->name, (char *)(uintptr_t)j->term, NULL};
	char *envp[10], addrs[HOOK_ADDRS_MAX];

	addresses_text(v, addrs, sizeof(addrs));
	snprintf(env[0], sizeof(env[0]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env[1], sizeof(env[1]), "VIPD_EVENT=%s", j->event);
	snprintf(env[2], sizeof(env[2]), "VIPD_VIP=%s", v->name);
	snprintf(env[3], sizeof(env[3]), "VIPD_TERM=%s", j->term);
	snprintf(env[4], sizeof(env[4]), "VIPD_NODE=%s", d->conf.node);
	snprintf(env[5], sizeof(env[5]), "VIPD_PREV=%s", j->prev);
	snprintf(env[6], sizeof(env[6]), "VIPD_HOLDER=%s", j->holder);
	snprintf(env[7], sizeof(env[7]), "VIPD_REASON=%s", j->reason);
	snprintf(env[8], sizeof(env[8]), "VIPD_ADDRESSES=%s", addrs);
	for (unsigned i = 0; i < 9; i++)
		envp[i] = env[i];
	envp[9] = NULL;
	hooks_child_prepare();
	execve(j->path, argv, envp);
	_exit(127);
}

static void lane_drop_head(struct hook_lane *l)
{
	struct hook_job *j = l->head;

	if (!j)
		return;
	l->head = j->next;
	l->n--;
	free(j);
}

static int on_exit_child(struct ev_src *s, const siginfo_t *si, void *ud);
static int on_timeout(struct ev_src *s, uint64_t usec, void *ud);

/* Starts the head of lane's queue unless one runs.  A hook that cannot
 * be started or watched is logged and dropped, and the next one tried. */
static void lane_start(struct hook_lane *l)
{
	struct vipd *d = l->d;
	struct hook_job *j;
	unsigned vip = (unsigned)(l - d->hooks->lanes);

	while (!l->pid && (j = l->head)) {
		l->started_us = ev_mono_us();
		l->pid = fork();
		if (l->pid == 0)
			hook_exec(d, &d->conf.vips[vip], j);
		if (l->pid > 0 &&
		    ev_add_child(d->ev, &l->child, l->pid, on_exit_child, l) >=
			    0 &&
		    ev_add_time_relative(d->ev, &l->timer, HOOK_TIMEOUT_US,
					 on_timeout, l) >= 0)
			return;
		if (l->pid > 0) {
			kill(l->pid, SIGKILL);
			waitpid(l->pid, NULL, 0);
		}
		log_errno(l->pid == -1 ? -errno : -ENOMEM,
			  "notify hook '%s' %s of VIP '%s' not run", j->path,
			  j->event, d->conf.vips[vip].name);
		l->child = ev_src_free(l->child);
		l->timer = ev_src_free(l->timer);
		l->pid = 0;
		lane_drop_head(l);
	}
}

/* The running hook is done (reaped): drop it, start the next. */
static void lane_next(struct hook_lane *l)
{
	l->child = ev_src_free(l->child);
	l->timer = ev_src_free(l->timer);
	l->pid = 0;
	lane_drop_head(l);
	lane_start(l);
}

static int on_exit_child(struct ev_src *s, const siginfo_t *si, void *ud)
{
	struct hook_lane *l = ud;
	const struct hook_job *j = l->head;

	if (si->si_code != CLD_EXITED || si->si_status != 0)
		log_warn("notify hook %s (pid %d) failed: %s %d, ignoring",
			 j ? j->event : "?", (int)l->pid,
			 si->si_code == CLD_EXITED ? "exit status" : "signal",
			 si->si_status);
	lane_next(l);
	return 0;
}

static int on_timeout(struct ev_src *s, uint64_t usec, void *ud)
{
	struct hook_lane *l = ud;

	log_warn("notify hook (pid %d) still runs after %llu s, killing it",
		 (int)l->pid, HOOK_TIMEOUT_US / 1000000ull);
	(void)ev_src_kill(l->child, SIGKILL);
	return 0;
}

void hooks_child_prepare(void)
{
	struct sched_param normal = {0};
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Lowering the class needs no privilege: hooks and checks never
	 * run at vipd's real-time priority. */
	(void)sched_setscheduler(0, SCHED_OTHER, &normal);
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_CAPS) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(126);
	close_range(3, ~0u, 0);
}

void hooks_event(struct vipd *d, const struct core_event *ev)
{
	struct vipd_hooks *h;
	struct hook_lane *l;
	const char *prev;

	if (ev->vip < 0 || !d->conf.notify[0] ||
	    (ev->type != CORE_EV_CLAIMED && ev->type != CORE_EV_MOVED &&
	     ev->type != CORE_EV_RELEASED && ev->type != CORE_EV_LOST))
		return;
	h = hooks_get(d);
	if (!h || (unsigned)ev->vip >= h->n)
		return;
	l = &h->lanes[ev->vip];
	l->d = d;
	if (ev->type == CORE_EV_CLAIMED && ev->term == l->why_term)
		return; /* a claim waiting behind the holder changes nothing */
	prev = ev->prev && d->core ? core_node_name(d->core, ev->prev) : NULL;
	snprintf(l->prev, sizeof(l->prev), "%s", prev ? prev : "");
	snprintf(l->why, sizeof(l->why), "%s", ev->why ? ev->why : "");
	l->why_term = ev->term;
}

static void job_fill(struct hook_job *j, const struct hook_lane *l,
		     const struct hook_facts *f)
{
	snprintf(j->event, sizeof(j->event), "%s", f->event);
	snprintf(j->term, sizeof(j->term), "%llu", (unsigned long long)f->term);
	snprintf(j->holder, sizeof(j->holder), "%s", f->holder);
	if (l->why_term == f->term && strcmp(f->event, "acquire") == 0)
		snprintf(j->prev, sizeof(j->prev), "%s", l->prev);
	else if (strcmp(f->event, "release") == 0)
		snprintf(j->prev, sizeof(j->prev), "%s", f->self);
	if (f->reason && f->reason[0])
		snprintf(j->reason, sizeof(j->reason), "%s", f->reason);
	else if (l->why_term == f->term)
		snprintf(j->reason, sizeof(j->reason), "%s", l->why);
}

void hooks_run(struct vipd *d, unsigned vip, const struct hook_facts *f)
{
	struct vipd_hooks *h;
	struct hook_job *j, **tail;
	struct hook_lane *l;

	if (!d->conf.notify[0] || !(h = hooks_get(d)) || vip >= h->n)
		return;
	l = &h->lanes[vip];
	l->d = d;
	if (l->n >= HOOK_QUEUE_MAX && l->head->next) {
		j = l->head->next; /* keep the running one, drop the next */
		log_warn("notify hooks of VIP '%s' fall behind: %s hook at "
			 "term %s dropped",
			 d->conf.vips[vip].name, j->event, j->term);
		l->head->next = j->next;
		l->n--;
		free(j);
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		log_warn("notify hook %s of VIP '%s': out of memory, not run",
			 f->event, d->conf.vips[vip].name);
		return;
	}
	job_fill(j, l, f);
	snprintf(j->path, sizeof(j->path), "%s", d->conf.notify);
	for (tail = &l->head; *tail; tail = &(*tail)->next)
		;
	*tail = j;
	l->n++;
	lane_start(l);
}

unsigned hooks_pending(const struct vipd *d, unsigned vip)
{
	const struct vipd_hooks *h = d->hooks;

	return h && vip < h->n ? h->lanes[vip].n : 0;
}

void hooks_act(struct vipd *d, const char *event, unsigned vip)
{
	struct hook_facts f = {.event = event, .self = d->conf.node};
	struct core_vip_info vi;
	const char *holder;

	core_vip_get(d->core, vip, &vi);
	holder = vi.holder ? core_node_name(d->core, vi.holder) : NULL;
	f.term = vi.term;
	f.holder = holder ? holder : "";
	if (strcmp(event, "release") == 0) {
		if (group_link_stopping(d->link))
			f.reason = "vipd stopping";
		else if (!core_quorate(d->core))
			f.reason = "no quorum";
		else if (vi.holder == d->self_id)
			f.reason = "lost here (lease, address or link failure)";
	}
	hooks_run(d, vip, &f);
}

/* At exit: the lane's running hook is done, or killed past its timeout;
 * then the next one starts.  1 while one runs. */
static int lane_step(struct hook_lane *l)
{
	if (!l->pid)
		return 0;
	if (waitpid(l->pid, NULL, WNOHANG) == 0) {
		if (ev_mono_us() - l->started_us < HOOK_TIMEOUT_US)
			return 1;
		log_warn("notify hook (pid %d) still runs after %llu s, "
			 "killing it",
			 (int)l->pid, HOOK_TIMEOUT_US / 1000000ull);
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	lane_next(l);
	return l->pid != 0;
}

void hooks_free(struct vipd *d)
{
	struct timespec tick = {0, 10000000};
	struct vipd_hooks *h = d->hooks;
	int running = 1;

	if (!h)
		return;
	/* Under systemd the unit's stop kills what is left in its cgroup:
	 * wait for the hooks (each within its timeout), queued ones too,
	 * all lanes at once. */
	while (running) {
		running = 0;
		for (unsigned i = 0; i < h->n; i++)
			running |= lane_step(&h->lanes[i]);
		if (running)
			nanosleep(&tick, NULL);
	}
	free(h);
	d->hooks = NULL;
}
