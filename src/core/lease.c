// SPDX-License-Identifier: MIT
/*
 * The lease rule: how long a holder's kernel gate must stay open so that
 * a membership change of corosync's ring, during which nothing is
 * delivered, never closes it.  Pure arithmetic, shared by the daemon
 * (lease auto) and its tests.
 */
#include "core.h"

uint32_t core_lease_auto_ms(uint32_t token, uint32_t consensus, uint32_t join)
{
	uint64_t stall = (uint64_t)token + consensus + join +
			 CORE_LEASE_STALL_MARGIN_MS;
	/* lease - lease / CORE_RENEWALS >= stall, rounded up */
	uint64_t ms = (stall * CORE_RENEWALS + CORE_RENEWALS - 2) /
		      (CORE_RENEWALS - 1);

	ms = (ms + 9) / 10 * 10;
	if (ms < CONF_LEASE_MIN_MS)
		ms = CONF_LEASE_MIN_MS;
	return ms > CONF_LEASE_MAX_MS ? CONF_LEASE_MAX_MS : (uint32_t)ms;
}
