#!/usr/bin/env python3
"""Checks alert files rendered by `vaultwatch detect --alert-format` (docs/alert-formats.md).

  alert_formats_check.py formats DEFENDER OCSF ECS

The three files must hold the same alerts in the same order, and every OCSF and ECS line the
attributes its schema requires, with values that agree with the Defender line. The required
attributes are written out here from the schemas (OCSF 1.1.0 base event, Detection Finding,
finding_info, analytic, cloud and datetime profiles; ECS 8.11 base fields and the event.*
categorisation fields), independently of the C++ renderers.
"""
import datetime
import json
import sys

OCSF_REQUIRED = ["activity_id", "category_uid", "class_uid", "finding_info", "metadata",
                 "severity_id", "time", "type_uid"]
OCSF_SEVERITY = {"Informational": 1, "Low": 2, "Medium": 3, "High": 4}
# ECS event.category "intrusion_detection" allows these event.type values.
ECS_INTRUSION_TYPES = {"allowed", "denied", "info", "start", "end"}
TACTICS = {"InitialAccess": "TA0001", "Persistence": "TA0003", "PrivilegeEscalation": "TA0004",
           "DefenseEvasion": "TA0005", "CredentialAccess": "TA0006", "Discovery": "TA0007",
           "Collection": "TA0009", "Exfiltration": "TA0010", "Impact": "TA0040"}


def millis(rfc3339):
    t = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    return int(t.replace(microsecond=0).timestamp()) * 1000 + t.microsecond // 1000


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fail(msg):
    sys.exit("alert_formats_check: " + msg)


def check_ocsf(d, o, where):
    for k in OCSF_REQUIRED:
        if k not in o:
            fail(f"{where}: OCSF required attribute '{k}' missing")
    if o["class_uid"] != 2004 or o["category_uid"] != 2:
        fail(f"{where}: not a Detection Finding")
    if o["type_uid"] != o["class_uid"] * 100 + o["activity_id"]:
        fail(f"{where}: type_uid is not class_uid * 100 + activity_id")
    if o["severity_id"] != OCSF_SEVERITY[d["Severity"]]:
        fail(f"{where}: severity_id {o['severity_id']} for {d['Severity']}")
    meta = o["metadata"]
    if not meta.get("version") or not meta.get("product", {}).get("vendor_name"):
        fail(f"{where}: metadata.version / metadata.product.vendor_name missing")
    fi = o["finding_info"]
    if fi.get("uid") != d["SystemAlertId"] or fi.get("title") != d["AlertDisplayName"]:
        fail(f"{where}: finding_info uid/title differ from the Defender alert")
    if "type_id" not in fi.get("analytic", {"type_id": 0}):
        fail(f"{where}: finding_info.analytic.type_id missing")
    if o["time"] != millis(d["TimeGenerated"]) or o["time_dt"] != d["TimeGenerated"]:
        fail(f"{where}: time {o['time']} / {o['time_dt']} vs TimeGenerated {d['TimeGenerated']}")
    if o["start_time_dt"] != d["StartTimeUtc"] or o["end_time_dt"] != d["EndTimeUtc"]:
        fail(f"{where}: start/end times differ")
    if "cloud" in meta.get("profiles", []) and not o.get("cloud", {}).get("provider"):
        fail(f"{where}: cloud profile without cloud.provider")
    want = [TACTICS[i] for i in d["Intent"].split(",") if i]
    got = [a["tactic"]["uid"] for a in fi.get("attacks", [])]
    if got != want:
        fail(f"{where}: attacks {got} for intents {d['Intent']}")
    for e in o.get("evidences", []):
        if not e:
            fail(f"{where}: an empty evidence")
    if "remediation" in o and not o["remediation"].get("desc"):
        fail(f"{where}: remediation without desc")
    ips = [e["Address"] for e in d["Entities"] if e["Type"] == "ip"]
    got_ips = [e["src_endpoint"]["ip"] for e in o.get("evidences", []) if "src_endpoint" in e]
    if got_ips != ips:
        fail(f"{where}: evidence ips {got_ips} vs {ips}")


def check_ecs(d, e, where):
    if e.get("@timestamp") != d["TimeGenerated"] or not e.get("ecs", {}).get("version"):
        fail(f"{where}: @timestamp / ecs.version")
    ev = e.get("event", {})
    if ev.get("kind") != "alert" or ev.get("category") != ["intrusion_detection"]:
        fail(f"{where}: event.kind / event.category")
    if not set(ev.get("type", [])) <= ECS_INTRUSION_TYPES or not ev.get("type"):
        fail(f"{where}: event.type {ev.get('type')} not allowed for intrusion_detection")
    if ev.get("id") != d["SystemAlertId"] or ev.get("code") != d["AlertType"]:
        fail(f"{where}: event.id / event.code differ from the Defender alert")
    if ev.get("start") != d["StartTimeUtc"] or ev.get("end") != d["EndTimeUtc"]:
        fail(f"{where}: event.start / event.end")
    if not isinstance(ev.get("severity"), int):
        fail(f"{where}: event.severity is not a number")
    if e.get("rule", {}).get("name") != d["AlertDisplayName"]:
        fail(f"{where}: rule.name")
    want = [TACTICS[i] for i in d["Intent"].split(",") if i]
    if e.get("threat", {}).get("tactic", {}).get("id") != want:
        fail(f"{where}: threat.tactic.id")
    ips = [x["Address"] for x in d["Entities"] if x["Type"] == "ip"]
    if ips and (e.get("source", {}).get("ip") != ips[0] or e["related"]["ip"] != list(dict.fromkeys(ips))):
        fail(f"{where}: source.ip / related.ip")
    if e["vaultwatch"]["entities"] != d["Entities"]:
        fail(f"{where}: vaultwatch.entities differ from Entities")
    if e["vaultwatch"]["extended_properties"] != d["ExtendedProperties"]:
        fail(f"{where}: vaultwatch.extended_properties differ from ExtendedProperties")


def formats(defender_path, ocsf_path, ecs_path):
    dd, oo, ee = load(defender_path), load(ocsf_path), load(ecs_path)
    if not dd:
        fail(f"{defender_path}: no alerts at all: the check would prove nothing")
    if not len(dd) == len(oo) == len(ee):
        fail(f"alert counts differ: {len(dd)} defender, {len(oo)} ocsf, {len(ee)} ecs")
    for i, (d, o, e) in enumerate(zip(dd, oo, ee)):
        check_ocsf(d, o, f"{ocsf_path}:{i + 1}")
        check_ecs(d, e, f"{ecs_path}:{i + 1}")
    print(f"alert formats: {len(dd)} alerts, same in defender, ocsf and ecs; required fields present")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "formats":
        formats(*sys.argv[2:])
    else:
        sys.exit(__doc__)
