/* SPDX-License-Identifier: MIT */
/*
 * The pool block of vipd.conf (conf_pool.c): parsed by the loader,
 * printed by printconf, compared by reload.
 */
#ifndef VIPD_DAEMON_CONF_POOL_H
#define VIPD_DAEMON_CONF_POOL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/conf.h"

struct conf_parser;

/* True if the current token is the word 'pool' (not a keyword). */
bool conf_pool_at(const struct conf_parser *p);
/* 'pool NAME { vips VIP...; [prefer NODE...]; [max-per-node N];
 * [rebalance after D | rebalance off] }', at the word 'pool'.  Its VIPs
 * must be defined above it; every problem is reported with its place. */
void conf_stmt_pool(struct conf_parser *p);
/* Writes c's pool blocks in the form conf_stmt_pool() reads. */
void conf_pool_print(FILE *f, const struct conf *c);
/* True if a and b differ in their pools or in which VIP is in which. */
bool conf_pools_differ(const struct conf *a, const struct conf *b);

#endif
