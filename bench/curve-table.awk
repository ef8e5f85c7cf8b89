# bench/curve-table.awk: the markdown table of bench/curve.sh from its res.csv and raw.csv.
# res.csv: point,label,metric,value,unit  raw.csv: point,tool,scenario,rep,outage_ms,dup,...
BEGIN { FS = "," }
FILENAME ~ /res\.csv$/ {
	if ($2 == "load") load[$1] = $3
	else v[$1, $2, $3] = $4
	next
}
{ k = $1 SUBSEP $3; out[k] = out[k] " " $5; n[k]++; dup[$1] += $6 }

function med(k,    a, m, i, j, t) {
	if (!n[k]) return "-"
	m = split(substr(out[k], 2), a, " ")
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return sprintf("%.0f / %.0f", a[int((m + 1) / 2)], a[m])
}
function nodes(id, lab, met, fmt,    s, i) {
	for (i = 1; i <= 3; i++) s = s (i > 1 ? " / " : "") sprintf(fmt, v[id, lab "@n" i, met])
	return s
}
function mean(id, lab, met,    s, i) {
	for (i = 1; i <= 3; i++) s += v[id, lab "@n" i, met]
	return s / 3
}
END {
	print "| profile | corosync token | lease | vipd CPU % n1 / n2 / n3 | vipd wake-ups/s n1 / n2 / n3 | corosync CPU % with vipd | corosync alone % | vipd adds % (own + corosync above alone) | adds / alone | node lost ms median / max | daemon hung ms median / max | dup | load |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	np = split(ENVIRON["CURVE_POINTS"], pts, " ")
	for (p = 1; p <= np; p++) {
		split(pts[p], f, ":")
		tok = f[1] (f[4] != "" ? "-s" f[4] : "")
		id = "vipd-" tok "-" f[2]
		own = mean(id, "vipd", "node_cpu_pct")
		with = mean(id, "corosync", "node_cpu_pct")
		alone = mean("alone-" tok, "corosync", "node_cpu_pct")
		adds = own + with - alone
		printf "| %s | %s | %s (%s ms) | %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %d | %s |\n",
			f[3], (f[1] == "stock" ? "stock" : f[1] " ms") (f[4] != "" ? ", seqno_unchanged_const " f[4] : ""), f[2],
			v[id, "vipd", "lease_ms"], nodes(id, "vipd", "node_cpu_pct", "%.2f"),
			nodes(id, "vipd", "node_wakeups_per_s", "%.0f"), with, alone, adds,
			(alone > 0 ? adds / alone : 0), med(id SUBSEP "link"), med(id SUBSEP "hung"),
			dup[id], load[id]
	}
	na = split(ENVIRON["KA_ADVERTS"], ka, " ")
	for (a = 1; a <= na; a++) {
		id = "ka-" ka[a]
		printf "| keepalived | advert %s s | - | %s | %s | - | - | %.2f | - | %s | %s | %d | %s |\n",
			ka[a], nodes(id, "keepalived", "node_cpu_pct", "%.2f"),
			nodes(id, "keepalived", "node_wakeups_per_s", "%.0f"),
			mean(id, "keepalived", "node_cpu_pct"), med(id SUBSEP "link"),
			med(id SUBSEP "hung"), dup[id], load[id]
	}
}
