// SPDX-License-Identifier: MIT
/*
 * What a start needs beyond a valid file, checked with this process's own
 * credentials: under systemd, `vipd --check-config` runs as ExecStartPre
 * with the unit's User=, so a key or hook vipd could not use fails there,
 * with its reason, and the unit does not start it into a restart loop.
 */
#define _GNU_SOURCE /* struct ucred, for vipd.h */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "preflight.h"
#include "vipd.h"

static int check_key(const struct conf *c, FILE *f)
{
	uint8_t key[HANDOFF_KEY_MAX];
	char err[512];
	size_t n = 0;
	int r;

	if (!c->handoff_key[0])
		return 0;
	r = vipd_handoff_key_read(c->handoff_key, key, &n, err, sizeof(err));
	memset(key, 0, sizeof(key));
	if (r < 0)
		fprintf(f, "vipd: %s\n", err);
	else if (r == 1)
		fprintf(f,
			"vipd: warning: handoff-key %s can be read by "
			"others than its owner: chmod 600 it\n",
			c->handoff_key);
	return r < 0 ? r : 0;
}

static int check_hook(const struct conf *c, FILE *f)
{
	struct stat st;
	int r = 0;

	if (!c->notify[0])
		return 0;
	if (stat(c->notify, &st) == 0 && !S_ISREG(st.st_mode))
		r = -EISDIR;
	else if (access(c->notify, X_OK) == -1) /* ENOENT too */
		r = -errno;
	if (r == -EISDIR)
		fprintf(f, "vipd: notify %s: not a regular file\n", c->notify);
	else if (r == -EACCES)
		fprintf(f,
			"vipd: notify %s: %s (checked as uid %u: make it "
			"executable, e.g. chmod 755)\n",
			c->notify, strerror(-r), (unsigned)geteuid());
	else if (r < 0)
		fprintf(f, "vipd: notify %s: %s\n", c->notify, strerror(-r));
	return r;
}

/* An interface may come later (a VLAN, a bond): a warning only. */
static void check_devs(const struct conf *c, FILE *f)
{
	for (unsigned i = 0; i < c->nvips; i++) {
		const struct conf_vip *v = &c->vips[i];

		if (v->dev[0] && if_nametoindex(v->dev) == 0)
			fprintf(f,
				"vipd: warning: vip '%s': interface '%s': "
				"%s; the VIP stays down here until it "
				"appears\n",
				v->name, v->dev, strerror(errno));
	}
}

int preflight_check(const struct conf *c, FILE *f)
{
	int r = check_key(c, f), r2 = check_hook(c, f);

	check_devs(c, f);
	return r < 0 ? r : r2;
}
