/* SPDX-License-Identifier: MIT */
/*
 * The nft text of the lease gate: the vipd_gate tables, the owned
 * vipd_lease tables and their marking rules, and VIP address lists, as
 * lease.c runs them through libnftables.
 *
 * IPv6 keys are raw 128-bit payload (nft 1.0.6 has no icmpv6 taddr and
 * will not compare @th with an ipv6_addr set): destination @nh,192,128,
 * source @nh,64,128, ND target @th,64,128, elements as hex integers.
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#include "net/lease_nft.h"

#define V6_KEY "typeof @nh,192,128"
#define ND                                                                     \
	"meta l4proto ipv6-icmp icmpv6 type "                                  \
	"{ nd-neighbor-solicit, nd-neighbor-advert } @th,64,128"

static void put_v6(FILE *f, const uint8_t a[16])
{
	int i;

	fputs("0x", f);
	for (i = 0; i < 16; i++)
		fprintf(f, "%02x", a[i]);
}

static void put_addr(FILE *f, const struct conf_addr *a)
{
	char s[INET_ADDRSTRLEN];

	if (a->family == AF_INET6)
		put_v6(f, a->addr);
	else if (inet_ntop(AF_INET, a->addr, s, sizeof(s)))
		fputs(s, f);
}

/* ", a, b" for the addresses of family in vips[0..n) */
unsigned lease_nft_put_addrs(FILE *f, const struct conf_vip *vips, unsigned n,
			  int family)
{
	unsigned i, j, count = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < vips[i].naddrs; j++) {
			if (vips[i].addrs[j].family != family)
				continue;
			fputs(count++ ? ", " : "", f);
			put_addr(f, &vips[i].addrs[j]);
		}
	}
	return count;
}

unsigned lease_nft_count_addrs(const struct conf_vip *vips, unsigned n, int family)
{
	unsigned i, j, count = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < vips[i].naddrs; j++)
			count += vips[i].addrs[j].family == family;
	return count;
}

static void put_set(FILE *f, const char *name, const char *type,
		    const struct conf *conf, int family)
{
	fprintf(f, "\tset %s { %s;", name, type);
	if (lease_nft_count_addrs(conf->vips, conf->nvips, family)) {
		fputs(" elements = { ", f);
		lease_nft_put_addrs(f, conf->vips, conf->nvips, family);
		fputs(" };", f);
	}
	fputs(" }\n", f);
}

static void put_gate_chain(FILE *f, const char *hook, const char *dir,
			   const char *v6, uint32_t mark)
{
	fprintf(f,
		"\tchain %s {\n"
		"\t\ttype filter hook %s priority 0; policy accept;\n"
		"\t\tmeta mark & 0x%08x == 0x%08x accept\n"
		"\t\tmeta nfproto ipv4 ip %s @vip4 drop\n"
		"\t\tmeta nfproto ipv6 %s @vip6 drop\n"
		"\t\tmeta nfproto ipv6 " ND " @vip6 drop\n"
		"\t}\n",
		hook, hook, mark, mark, dir, v6);
}

static void put_gate_arp_chain(FILE *f, const char *hook, const char *dir,
			       uint32_t mark)
{
	fprintf(f,
		"\tchain %s {\n"
		"\t\ttype filter hook %s priority 0; policy accept;\n"
		"\t\tmeta mark & 0x%08x == 0x%08x accept\n"
		"\t\tarp %s ip @vip4 drop\n"
		"\t}\n",
		hook, hook, mark, mark, dir);
}

/* the persistent gate, replacing any old one in the same batch */
void lease_nft_put_gate(FILE *f, const struct conf *conf)
{
	uint32_t m = conf->lease_mark;

	fputs("table inet vipd_gate\ndelete table inet vipd_gate\n"
	      "table inet vipd_gate {\n",
	      f);
	put_set(f, "vip4", "type ipv4_addr", conf, AF_INET);
	put_set(f, "vip6", V6_KEY, conf, AF_INET6);
	put_gate_chain(f, "input", "daddr", "@nh,192,128", m);
	put_gate_chain(f, "output", "saddr", "@nh,64,128", m);
	fputs("}\ntable arp vipd_gate\ndelete table arp vipd_gate\n"
	      "table arp vipd_gate {\n",
	      f);
	put_set(f, "vip4", "type ipv4_addr", conf, AF_INET);
	put_gate_arp_chain(f, "input", "daddr", m);
	put_gate_arp_chain(f, "output", "saddr", m);
	fputs("}\n", f);
}

/* the owned tables with empty sets and empty chains */
void lease_nft_put_owned_tables(FILE *f)
{
	static const char *const chain =
		"\tchain %s { type filter hook %s priority -10; "
		"policy accept; }\n";

	fputs("table inet vipd_lease {\n\tflags owner\n"
	      "\tset lease { type nf_proto; flags timeout; }\n"
	      "\tset held4 { type ipv4_addr; }\n"
	      "\tset held6 { " V6_KEY "; }\n",
	      f);
	fprintf(f, chain, "input", "input");
	fprintf(f, chain, "output", "output");
	fputs("}\ntable arp vipd_lease {\n\tflags owner\n"
	      "\tset lease { typeof arp htype; flags timeout; }\n"
	      "\tset held4 { type ipv4_addr; }\n",
	      f);
	fprintf(f, chain, "input", "input");
	fprintf(f, chain, "output", "output");
	fputs("}\n", f);
}

/* the marking rules: held VIP and live lease element */
void lease_nft_put_owned_rules(FILE *f, uint32_t m)
{
	static const char *const dirs[2][3] = {
		{"input", "daddr", "@nh,192,128"},
		{"output", "saddr", "@nh,64,128"},
	};
	const char *set = "meta mark set meta mark | ";
	int i;

	for (i = 0; i < 2; i++) {
		const char *const *d = dirs[i];

		fprintf(f, "flush chain inet vipd_lease %s\n", d[0]);
		fprintf(f,
			"add rule inet vipd_lease %s meta nfproto @lease "
			"meta nfproto ipv4 ip %s @held4 %s0x%08x\n",
			d[0], d[1], set, m);
		fprintf(f,
			"add rule inet vipd_lease %s meta nfproto @lease "
			"meta nfproto ipv6 %s @held6 %s0x%08x\n",
			d[0], d[2], set, m);
		fprintf(f,
			"add rule inet vipd_lease %s meta nfproto @lease "
			"meta nfproto ipv6 " ND " @held6 %s0x%08x\n",
			d[0], set, m);
		fprintf(f, "flush chain arp vipd_lease %s\n", d[0]);
		fprintf(f,
			"add rule arp vipd_lease %s arp htype @lease "
			"arp %s ip @held4 %s0x%08x\n",
			d[0], d[1], set, m);
		/* the gate again, owned: it holds while vipd lives, even
		 * if vipd_gate is flushed away (it stays as the dead
		 * daemon's gate) */
		fprintf(f,
			"add rule inet vipd_lease %s meta mark & 0x%08x != "
			"0x%08x ip %s @held4 drop\n",
			d[0], m, m, d[1]);
		fprintf(f,
			"add rule inet vipd_lease %s meta mark & 0x%08x != "
			"0x%08x meta nfproto ipv6 %s @held6 drop\n",
			d[0], m, m, d[2]);
		fprintf(f,
			"add rule inet vipd_lease %s meta mark & 0x%08x != "
			"0x%08x meta nfproto ipv6 " ND " @held6 drop\n",
			d[0], m, m);
		fprintf(f,
			"add rule arp vipd_lease %s meta mark & 0x%08x != "
			"0x%08x arp %s ip @held4 drop\n",
			d[0], m, m, d[1]);
	}
}
