/* SPDX-License-Identifier: MIT */
/* The nft text lease.c runs (lease_nft.c); writes to f, never fails. */
#ifndef VIPD_NET_LEASE_NFT_H
#define VIPD_NET_LEASE_NFT_H

#include <stdint.h>
#include <stdio.h>

#include "core/conf.h"

/* The addresses of family in vips[0..n) as an element list; their count. */
unsigned lease_nft_put_addrs(FILE *f, const struct conf_vip *vips, unsigned n,
			     int family);
/* How many addresses of family vips[0..n) have. */
unsigned lease_nft_count_addrs(const struct conf_vip *vips, unsigned n,
			       int family);
/* The vipd_gate tables for every VIP of conf. */
void lease_nft_put_gate(FILE *f, const struct conf *conf);
/* The owned vipd_lease tables, empty sets and chains. */
void lease_nft_put_owned_tables(FILE *f);
/* The owned tables' marking and dropping rules for lease mark m. */
void lease_nft_put_owned_rules(FILE *f, uint32_t m);

#endif
