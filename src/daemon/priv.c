// SPDX-License-Identifier: MIT
/*
 * Privilege drop with libcap-ng: one process holding CAP_NET_ADMIN (addresses,
 * nftables) and CAP_NET_RAW (announcements), and the self-check that it
 * holds exactly those.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cap-ng.h>

#include "log.h"
#include "priv.h"

#define PRIV_CAPEFF 0x3000ull /* CAP_NET_ADMIN (12) | CAP_NET_RAW (13) */

static int priv_check(void)
{
	unsigned long long eff = ~0ull;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0) {
			char *end;

			errno = 0;
			eff = strtoull(line + 7, &end, 16);
			if (errno || end == line + 7)
				eff = ~0ull;
			break;
		}
	fclose(f);
	if (eff != PRIV_CAPEFF) {
		log_err("capabilities are %016llx, expected %016llx", eff,
			PRIV_CAPEFF);
		return -EPERM;
	}
	log_info("running with CAP_NET_ADMIN and CAP_NET_RAW only "
		 "(CapEff %016llx)", eff);
	return 0;
}

int priv_drop(const char *user)
{
	const struct passwd *pw = NULL;
	int r;

	if (user && *user) {
		pw = getpwnam(user);
		if (!pw) {
			log_err("user '%s' (setting 'user') does not exist; "
				"create it or remove the setting", user);
			return -ENOENT;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			  CAP_NET_ADMIN, CAP_NET_RAW, -1) != 0)
		return -EINVAL;
	if (pw)
		r = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
				    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		r = capng_apply(CAPNG_SELECT_BOTH);
	if (r != 0) {
		log_err("could not drop privileges (libcap-ng error %d)", r);
		return -EPERM;
	}
	return priv_check();
}
