// SPDX-License-Identifier: MIT
/*
 * Normalised printing of a loaded config: the inverse of conf_parse.c.
 * Its output must parse back to the same struct conf (tests/config checks
 * it), so every field is printed, defaults included.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/conf_pool.h"
#include "daemon/printconf.h"

/* Prints s bare if the lexer reads it back as one word, else quoted. */
static void print_string(FILE *f, const char *s)
{
	size_t n = strlen(s);

	if (n && strcspn(s, " \t\r\n{}\";#") == n) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void print_duration(FILE *f, uint32_t ms)
{
	if (ms && ms % 1000 == 0)
		fprintf(f, "%us", ms / 1000);
	else
		fprintf(f, "%ums", ms);
}

static void print_settings(FILE *f, const struct conf *c)
{
	fprintf(f, "node-name %s\n", c->node);
	fprintf(f, "group %s\n", c->group);
	fputs("socket ", f);
	print_string(f, c->socket);
	fputc('\n', f);
	if (c->user[0])
		fprintf(f, "user %s\n", c->user);
	if (c->notify[0]) {
		fputs("notify ", f);
		print_string(f, c->notify);
		fputc('\n', f);
	}
	fputs("lease ", f);
	if (c->lease_ms)
		print_duration(f, c->lease_ms);
	else
		fputs("auto", f);
	fprintf(f, "\nlease-mark 0x%08x\n", c->lease_mark);
	fprintf(f, "two-node %s\n", c->two_node ? "yes" : "no");
	if (c->handoff_key[0]) {
		fputs("handoff-key ", f);
		print_string(f, c->handoff_key);
		fputc('\n', f);
	}
	fprintf(f, "handoff-port %u\n", c->handoff_port);
	if (c->metrics_port) {
		char a[INET6_ADDRSTRLEN];
		int v6 = c->metrics_addr.family == AF_INET6;

		inet_ntop(c->metrics_addr.family, c->metrics_addr.addr, a,
			  sizeof(a));
		fprintf(f, "metrics-listen %s%s%s:%u\n", v6 ? "[" : "", a,
			v6 ? "]" : "", c->metrics_port);
	}
}

static void print_cluster(FILE *f, const struct conf *c)
{
	char text[INET6_ADDRSTRLEN];

	fputs("\ncluster {\n", f);
	for (unsigned i = 0; i < c->nnodes; i++) {
		const struct conf_addr *a = &c->nodes[i].addr;

		fprintf(f, "\tnode %s id %u", c->nodes[i].name,
			c->nodes[i].id);
		if (a->family &&
		    inet_ntop(a->family, a->addr, text, sizeof(text)))
			fprintf(f, " address %s", text);
		fputc('\n', f);
	}
	fputs("}\n", f);
}

static void print_addr(FILE *f, const struct conf_addr *a)
{
	char text[INET6_ADDRSTRLEN] = "?";

	inet_ntop(a->family, a->addr, text, sizeof(text));
	fprintf(f, "\taddress %s/%u\n", text, a->prefixlen);
}

static void print_announce(FILE *f, const struct conf_vip *v)
{
	char text[INET6_ADDRSTRLEN];

	fprintf(f, "\tannounce %u interval ", v->announce_count);
	print_duration(f, v->announce_interval_ms);
	if (v->announce_refresh_ms) {
		fputs(" refresh ", f);
		print_duration(f, v->announce_refresh_ms);
	}
	fputc('\n', f);
	if (!v->nnotify)
		return;
	fputs("\tnotify-peers", f);
	for (unsigned i = 0; i < v->nnotify; i++) {
		strcpy(text, "?");
		inet_ntop(v->notify[i].family, v->notify[i].addr, text,
			  sizeof(text));
		fprintf(f, " %s", text);
	}
	fputc('\n', f);
}

static void print_nodes(FILE *f, const struct conf *c, const struct conf_vip *v)
{
	fputs("\tnodes", f);
	for (unsigned i = 0; i < c->nnodes && i < 32; i++)
		if (v->eligible & (1U << i))
			fprintf(f, " %s", c->nodes[i].name);
	fputc('\n', f);
	if (v->policy == CONF_POLICY_WAIT) {
		fputs("\tpolicy wait\n", f);
		return;
	}
	fputs("\tpolicy prefer", f);
	for (unsigned i = 0; i < v->nprefer; i++)
		if (v->prefer[i] < c->nnodes)
			fprintf(f, " %s", c->nodes[v->prefer[i]].name);
	fputc('\n', f);
}

static void print_vip(FILE *f, const struct conf *c, const struct conf_vip *v)
{
	fprintf(f, "\nvip %s {\n", v->name);
	for (unsigned i = 0; i < v->naddrs; i++)
		print_addr(f, &v->addrs[i]);
	fprintf(f, "\tdev %s\n", v->dev);
	print_nodes(f, c, v);
	print_announce(f, v);
	if (v->check[0]) {
		fprintf(f, "\tcheck \"%s\" interval ", v->check);
		print_duration(f, v->check_interval_ms);
		fputs(" timeout ", f);
		print_duration(f, v->check_timeout_ms);
		fprintf(f, " rise %u fall %u\n", v->check_rise, v->check_fall);
	}
	if (v->follow[0])
		fprintf(f, "\tfollow-group %s\n", v->follow);
	for (unsigned i = 0; i < v->nallow; i++)
		fprintf(f, "\tallow %s %s\n",
			v->allow[i].is_group ? "group" : "user",
			v->allow[i].name);
	fputs("}\n", f);
}

void conf_print(FILE *f, const struct conf *c)
{
	print_settings(f, c);
	print_cluster(f, c);
	for (unsigned i = 0; i < c->nvips; i++)
		if (!c->vips[i].retired) /* removed by a reload */
			print_vip(f, c, &c->vips[i]);
	conf_pool_print(f, c);
}
