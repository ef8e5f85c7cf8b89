#!/usr/bin/env python3
# Captures the announcements on one interface of a test namespace: every ARP frame and every
# ICMPv6 neighbour advertisement seen by a packet socket (before the namespace's netfilter, so
# frames its rules drop are still seen), one line each, appended to OUT until killed:
#   <wall-clock ms> <kind> <src MAC> <dst MAC> <sender/target IP> <target IP or flags>
# kind: garp (ARP request with sender IP = target IP), arp-request, arp-reply, na.
# For na the last fields are the advertised target address and the flags (R, S, O or -).
# Writes "ready" once the socket is bound.  Usage: ann-capture.py IFACE OUT
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
iface, out = sys.argv[1], sys.argv[2]


def mac(b):
    return ":".join("%02x" % x for x in b)


def arp(p):
    if len(p) < 28:
        return None
    op = struct.unpack("!H", p[6:8])[0]
    sha, spa, tpa = p[8:14], socket.inet_ntoa(p[14:18]), socket.inet_ntoa(p[24:28])
    kind = "arp-reply" if op == 2 else "garp" if spa == tpa else "arp-request"
    return kind, spa, tpa


def na(p):
    # IPv6 header (40 bytes), ICMPv6 type 136: flags in byte 4, target at 8..24
    if len(p) < 64 or p[6] != 58 or p[40] != 136:
        return None
    fl = p[44]
    flags = ("R" if fl & 0x80 else "") + ("S" if fl & 0x40 else "") + ("O" if fl & 0x20 else "")
    return "na", socket.inet_ntop(socket.AF_INET6, p[48:64]), flags or "-"


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((iface, 0))
with open(out, "a", buffering=1) as f:
    f.write("ready\n")
    while True:
        frame = s.recv(2048)
        if len(frame) < 14:
            continue
        etype = struct.unpack("!H", frame[12:14])[0]
        got = arp(frame[14:]) if etype == 0x0806 else na(frame[14:]) if etype == 0x86DD else None
        if got:
            f.write("%d %s %s %s %s %s\n" % (time.time() * 1000, got[0], mac(frame[6:12]),
                                             mac(frame[0:6]), got[1], got[2]))
