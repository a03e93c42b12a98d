#!/usr/bin/env python3
"""Helpers for governance_embedded.sh (standard library only).

An independent reference of the pseudonym scheme (governance/pseudonymise.h): HMAC-SHA256 under
the key over b"<kind>\\0<value>"; object id -> UUID of the first 16 bytes, UPN ->
"u-<first 12 bytes hex>@pseudonymised.invalid", IP -> the IPv6 address of the first 16 bytes with
the first byte set to 0xfd, SystemAlertId -> UUID of the first 16 bytes of kind "alert-id".

  ids EVENTS.jsonl IDS.json              clear identities of `vaultwatch normalize` output
  leaks IDS.json [--expect-some] PATH..  clear identities found in files (dirs: every file);
                                         fails if any (or, with --expect-some, if none)
  counts A.jsonl B.jsonl                 fails unless both have the same alerts per AlertType
  disjoint A.jsonl B.jsonl IDS.json      fails unless the people named (no app ids) differ entirely
  single-hash KEY IDS.json A.jsonl       every account/ip entity is the pseudonym of a clear one
  pseudo-labels KEY IDS.json IN OUT      labels with callers and IPs pseudonymised (app ids stay)
  alert-pass KEY CLEAR.jsonl PSEUDO.jsonl  PSEUDO equals CLEAR after the alert pass (as objects,
                                         in RunDetect's order)
  pick ALERTS FEEDBACK EXPECTED [expired|tp]  verdicts on an alert that repeats for its entity
                                         later; prints the number of alerts expected suppressed
"""
import hashlib
import hmac
import ipaddress
import json
import os
import sys


def load(path):
    return [json.loads(l) for l in open(path) if l.strip()]


def key_of(path):
    k = open(path, "rb").read()
    if k.endswith(b"\n"):
        k = k[:-1]
    if k.endswith(b"\r"):
        k = k[:-1]
    return k


def mac(key, kind, value):
    if isinstance(value, str):
        value = value.encode()
    return hmac.new(key, kind.encode() + b"\0" + value, hashlib.sha256).digest()


def uuid_of(b):
    h = b[:16].hex()
    return "-".join([h[0:8], h[8:12], h[12:16], h[16:20], h[20:32]])


def p_oid(key, v):
    return uuid_of(mac(key, "oid", v)) if v else ""


def p_upn(key, v):
    return "u-" + mac(key, "upn", v)[:12].hex() + "@pseudonymised.invalid" if v else ""


def p_ip(key, text):
    try:
        raw = ipaddress.ip_address(text).packed
    except ValueError:
        raw = text.encode()
    h = bytearray(mac(key, "ip", raw)[:16])
    h[0] = 0xFD
    return str(ipaddress.IPv6Address(bytes(h)))


def ids(events_path, out_path):
    oids, upns, ips, apps = set(), set(), set(), set()
    for e in load(events_path):
        if e.get("objectId"):
            oids.add(e["objectId"])
        if e.get("upn"):
            upns.add(e["upn"])
        if e.get("ipText"):
            ips.add(e["ipText"])
        if e.get("appId"):
            apps.add(e["appId"])
        for k in ("addedObjectIds", "removedObjectIds"):
            oids.update(x for x in (e.get(k) or []) if x)
    oids -= apps  # application ids stay clear by design
    if len(oids) < 10 or len(upns) < 5 or len(ips) < 10:
        sys.exit("too few identities in the input: the test would prove nothing")
    json.dump({"object_ids": sorted(oids), "upns": sorted(upns), "ips": sorted(ips),
               "app_ids": sorted(apps)}, open(out_path, "w"))
    print("identities: %d object ids, %d UPNs, %d IPs" % (len(oids), len(upns), len(ips)))


def keyed_ids(ids_path):
    """The clear identities that key state (a caller's object id or address), one per line."""
    d = json.load(open(ids_path))
    for x in d["object_ids"] + d["ips"]:
        print(x)


def add_digests(ids_path, digests_path):
    """Adds to ids.json the state-key digests of keyed_ids' identities (key_digest_tool)."""
    d = json.load(open(ids_path))
    digests = [l.strip() for l in open(digests_path) if l.strip()]
    if len(digests) != len(d["object_ids"]) + len(d["ips"]):
        sys.exit("add-digests: %d digests for %d identities"
                 % (len(digests), len(d["object_ids"]) + len(d["ips"])))
    d["key_digests"] = digests
    json.dump(d, open(ids_path, "w"))


def leaks(args):
    expect_some = "--expect-some" in args
    args = [a for a in args if a != "--expect-some"]
    d = json.load(open(args[0]))
    needles = [x.encode() for x in d["object_ids"] + d["upns"] + d["ips"]]
    needles += [bytes.fromhex(x) for x in d.get("key_digests", [])]
    files = []
    for p in args[1:]:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names]
        else:
            files.append(p)
    found = {}
    for f in files:
        data = open(f, "rb").read()
        for n in needles:
            if n in data:
                found.setdefault(f, []).append(n.decode(errors="replace"))
    total = sum(len(v) for v in found.values())
    if expect_some:
        if total == 0:
            sys.exit("positive control: no clear identity found in %s" % args[1:])
        print("positive control: %d clear identities found in %d files" % (total, len(found)))
        return
    if total:
        for f, v in found.items():
            print("%s: %d clear identities, e.g. %s" % (f, len(v), v[:3]))
        sys.exit("clear identities leaked")
    print("no clear identity in %d files" % len(files))


def by_type(path):
    c = {}
    for a in load(path):
        c[a["AlertType"]] = c.get(a["AlertType"], 0) + 1
    return c


def counts(a, b):
    ca, cb = by_type(a), by_type(b)
    if ca != cb:
        sys.exit("alerts per type differ:\n  %s\n  %s" % (ca, cb))
    print("same alerts per type: %d types, %d alerts" % (len(ca), sum(ca.values())))


def accounts(alert):
    out = set()
    for e in alert["Entities"]:
        if e.get("Type") == "account":
            for k in ("AadUserId", "AppId", "Upn"):
                if e.get(k):
                    out.add(e[k].lower())
    return out


def people(path, apps):
    s = set()
    for a in load(path):
        s |= accounts(a) - apps
    return s


def disjoint(a, b, ids_path):
    apps = set(json.load(open(ids_path))["app_ids"])
    pa, pb = people(a, apps), people(b, apps)
    if not pa or pa & pb:
        sys.exit("pseudonyms under two keys overlap (or none): %s" % sorted(pa & pb)[:3])
    print("two keys: %d and %d pseudonyms, none in common" % (len(pa), len(pb)))


def single_hash(key_path, ids_path, alerts_path):
    key, d = key_of(key_path), json.load(open(ids_path))
    ok_acc = set(d["app_ids"]) | {p_oid(key, x) for x in d["object_ids"]} | {
        p_upn(key, x) for x in d["upns"]}
    ok_ip = {p_ip(key, x) for x in d["ips"]}
    n = 0
    for a in load(alerts_path):
        for e in a["Entities"]:
            vals = []
            if e.get("Type") == "account":
                vals = [(e.get(k) or "").lower() for k in ("AadUserId", "AppId", "Upn")]
                bad = [v for v in vals if v and v not in ok_acc]
            elif e.get("Type") == "ip":
                bad = [e["Address"]] if e.get("Address") and e["Address"] not in ok_ip else []
                vals = [e.get("Address")]
            else:
                continue
            if bad:
                sys.exit("not the pseudonym of a clear identity (hashed twice?): %s" % bad)
            n += len([v for v in vals if v])
    if n == 0:
        sys.exit("no account or ip entity: the test would prove nothing")
    print("%d entity values, each the pseudonym of a clear identity (python reference)" % n)


def pseudo_labels(key_path, ids_path, src, dst):
    key, d = key_of(key_path), json.load(open(ids_path))
    apps = set(d["app_ids"])
    with open(dst, "w") as f:
        for l in load(src):
            if l.get("caller") and l["caller"] not in apps:
                l["caller"] = p_oid(key, l["caller"])
            if l.get("ip"):
                l["ip"] = p_ip(key, l["ip"])
            f.write(json.dumps(l) + "\n")


def apply_alert(key, a):
    repl = {}
    for e in a["Entities"]:
        if e.get("AadUserId"):
            p = p_oid(key, e["AadUserId"])
            repl[e["AadUserId"]] = p
            e["AadUserId"] = p
        if e.get("Upn"):
            p = p_upn(key, e["Upn"])
            repl[e["Upn"]] = p
            e["Upn"] = p
        if e.get("Address"):
            p = p_ip(key, e["Address"])
            repl[e["Address"]] = p
            e["Address"] = p
    ep = a.get("ExtendedProperties", {})
    for x in (ep.get("Principal Added And Removed") or "").split(","):
        if x.strip():
            repl[x.strip()] = p_oid(key, x.strip())
    order = sorted(repl.items(), key=lambda kv: -len(kv[0]))

    def scrub(s):
        for frm, to in order:
            s = s.replace(frm, to)
        return s
    a["Description"] = scrub(a["Description"])
    a["CompromisedEntity"] = scrub(a["CompromisedEntity"])
    for k in ep:
        ep[k] = scrub(ep[k])
    a["SystemAlertId"] = uuid_of(mac(key, "alert-id", a["SystemAlertId"]))
    return a


def alert_pass_check(key_path, clear_path, pseudo_path):
    key = key_of(key_path)
    want = [apply_alert(key, a) for a in load(clear_path)]
    want.sort(key=lambda a: (a["TimeGenerated"], a["AlertType"], a["SystemAlertId"]))
    got = load(pseudo_path)
    if len(got) != len(want):
        sys.exit("alert pass: %d alerts, expected %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            diff = {k: (g.get(k), w.get(k)) for k in set(g) | set(w) if g.get(k) != w.get(k)}
            sys.exit("alert %d differs from the reference alert pass: %s" % (i, diff))
    print("alert pass: %d alerts equal the clear ones after the reference pass" % len(got))


def pick(alerts_path, feedback_path, expected_path, variant="benign"):
    lines = [l for l in open(alerts_path) if l.strip()]
    al = [json.loads(l) for l in lines]

    def same(a, b):
        return (a["AlertType"] == b["AlertType"] and a["AzureResourceId"] == b["AzureResourceId"]
                and accounts(a) == accounts(b))
    target = None
    for i, a in enumerate(al):
        peers = [b for j, b in enumerate(al) if j != i and same(a, b)]
        if any(b["TimeGenerated"] > a["TimeGenerated"] for b in peers) and not any(
                b["TimeGenerated"] == a["TimeGenerated"] for b in peers):
            target = i
            break
    if target is None:
        sys.exit("no alert repeats for its entity later: the test would prove nothing")
    a = al[target]
    tp = 1 if target == 0 else 0
    t = a["TimeGenerated"]
    with open(feedback_path, "w") as f:
        if variant == "benign":
            f.write(json.dumps({"SystemAlertId": al[tp]["SystemAlertId"],
                                "verdict": "true_positive", "time": t, "analyst": "e2e"}) + "\n")
            f.write("this line is not a verdict\n")
            f.write(json.dumps({"SystemAlertId": a["SystemAlertId"], "verdict": "benign",
                                "time": t, "scope": "entity", "comment": "e2e"}) + "\n")
            f.write(json.dumps({"SystemAlertId": "00000000-0000-0000-0000-000000000000",
                                "verdict": "benign", "time": t}) + "\n")
        elif variant == "expired":
            # Ends one second after the judged alert: before its entity's later alerts.
            later = min(b["TimeGenerated"] for b in al if same(a, b) and b["TimeGenerated"] > t)
            end = t[:17] + "%02d" % (int(t[17:19]) + 1) + t[19:] if int(t[17:19]) < 59 else later
            if end >= later:
                sys.exit("cannot place an expiry between the alert and the next one")
            f.write(json.dumps({"SystemAlertId": a["SystemAlertId"], "verdict": "benign",
                                "time": t, "expires": end}) + "\n")
        else:
            f.write(json.dumps({"SystemAlertId": a["SystemAlertId"], "verdict": "true_positive",
                                "time": t}) + "\n")
    n = 0
    with open(expected_path, "w") as f:
        for line, b in zip(lines, al):
            if (variant == "benign" and b is not a and same(a, b)
                    and b["TimeGenerated"] >= t):
                n += 1
                continue
            f.write(line)
    print(n)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "ids":
        ids(*args)
    elif cmd == "keyed-ids":
        keyed_ids(*args)
    elif cmd == "add-digests":
        add_digests(*args)
    elif cmd == "leaks":
        leaks(args)
    elif cmd == "counts":
        counts(*args)
    elif cmd == "disjoint":
        disjoint(*args)
    elif cmd == "single-hash":
        single_hash(*args)
    elif cmd == "pseudo-labels":
        pseudo_labels(*args)
    elif cmd == "alert-pass":
        alert_pass_check(*args)
    elif cmd == "pick":
        pick(*args)
    else:
        sys.exit("unknown command " + cmd)
