#!/usr/bin/env python3
"""arp-macs: send ARP requests for TARGET out of IFACE and print, one per line, the distinct
MAC addresses that answered within WAIT_MS (none: no output).

    arp-macs.py IFACE SENDER_IP TARGET_IP [WAIT_MS] [COUNT]
"""
import socket
import struct
import sys
import time


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: arp-macs.py IFACE SENDER_IP TARGET_IP [WAIT_MS] [COUNT]")
    ifname, sender, target = sys.argv[1:4]
    wait = int(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0.3
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    s.bind((ifname, 0))
    mac = s.getsockname()[4]
    req = (b"\xff" * 6 + mac + struct.pack("!H", 0x0806) +
           struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + socket.inet_aton(sender) +
           b"\x00" * 6 + socket.inet_aton(target))
    seen = set()
    tip = socket.inet_aton(target)
    for _ in range(count):
        s.send(req)
        end = time.monotonic() + wait / count
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                pkt = s.recv(128)
            except socket.timeout:
                break
            # ARP reply (op 2) whose sender protocol address is the target
            if len(pkt) >= 42 and pkt[20:22] == b"\x00\x02" and pkt[28:32] == tip:
                seen.add(pkt[22:28].hex(":"))
    for m in sorted(seen):
        print(m)


main()
