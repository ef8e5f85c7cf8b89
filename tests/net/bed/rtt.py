#!/usr/bin/env python3
"""rtt.py ADDR PORT COUNT INTERVAL_MS: round trips to a bed responder.

Sends COUNT datagrams "<seq>" to ADDR:PORT, one every INTERVAL_MS, reads the responder's
answers "<node> <seq>" until 1.5 s after the last send, and prints one line:
"sent N answered N loss_pct L median_ms M min_ms A max_ms B reordered R" (reordered: answers
that came after an answer to a later datagram)."""
import socket
import sys
import time


def main():
    addr, port, count, interval = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent = {}
    rtts, order = [], []
    seq, next_send = 0, time.monotonic()
    end = None
    while True:
        now = time.monotonic()
        if seq < count and now >= next_send:
            s.sendto(b"%d" % seq, (addr, port))
            sent[seq] = now
            seq += 1
            next_send += interval / 1000
            if seq == count:
                end = now + 1.5
        if end is not None and now >= end:
            break
        try:
            data = s.recv(256)
        except BlockingIOError:
            time.sleep(0.0005)
            continue
        q = int(data.split()[1])
        if q in sent and q not in order:
            rtts.append((time.monotonic() - sent[q]) * 1000)
            order.append(q)
    reordered = sum(1 for i in range(1, len(order)) if order[i] < max(order[:i]))
    rtts.sort()
    med = rtts[len(rtts) // 2] if rtts else -1
    print("sent %d answered %d loss_pct %.1f median_ms %.1f min_ms %.1f max_ms %.1f reordered %d" % (
        count, len(rtts), 100.0 * (count - len(rtts)) / count, med,
        rtts[0] if rtts else -1, rtts[-1] if rtts else -1, reordered))


main()
