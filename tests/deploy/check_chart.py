#!/usr/bin/env python3
"""Checks the manifests `helm template` renders from deploy/helm/vaultwatch.

  check_chart.py default RENDERED.yaml          the chart's defaults
  check_chart.py full RENDERED.yaml OUT_DIR     every option on (values in tests/deploy/full-values.yaml);
                                                writes OUT_DIR/pipeline.yaml (the ConfigMap's, with
                                                the secret paths moved into OUT_DIR) and the
                                                mounted secret files, for `vaultwatch run --check-config`

What a cluster would only tell at run time: the StatefulSet's probes, volume per pod, memory
request from the state budget, grace period, instance id from the pod name, metrics on 0.0.0.0;
secrets only in Secrets; the PodDisruptionBudget; the optional monitoring objects.
"""
import base64
import os
import sys

import yaml


def fail(msg):
    sys.exit("check_chart: " + msg)


def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    return docs, by_kind


def one(by_kind, kind):
    items = by_kind.get(kind, [])
    if len(items) != 1:
        fail(f"expected one {kind}, got {len(items)}")
    return items[0]


def container(sts):
    cs = sts["spec"]["template"]["spec"]["containers"]
    if len(cs) != 1:
        fail("expected one container")
    return cs[0]


def mebibytes(q):
    if not q.endswith("Mi"):
        fail(f"memory '{q}' not in Mi")
    return int(q[:-2])


def check_common(by_kind, values):
    sts = one(by_kind, "StatefulSet")
    c = container(sts)
    spec = sts["spec"]
    if spec["replicas"] != values["replicas"]:
        fail("replicas")
    if spec["template"]["spec"]["terminationGracePeriodSeconds"] < 30:
        fail("terminationGracePeriodSeconds below 30 s: SIGTERM needs time to commit")
    if c["readinessProbe"]["httpGet"]["path"] != "/readyz":
        fail("readiness probe is not /readyz")
    if c["livenessProbe"]["httpGet"]["path"] != "/healthz":
        fail("liveness probe is not /healthz")
    args = c["args"]
    if args[:3] != ["run", "--config", "/etc/vaultwatch/pipeline.yaml"]:
        fail(f"args {args}")
    if "--instance-id" not in args or args[args.index("--instance-id") + 1] != "$(POD_NAME)":
        fail("instance id is not the pod name")
    env = {e["name"]: e for e in c["env"]}
    if env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] != "metadata.name":
        fail("POD_NAME is not the pod's name")
    claims = spec["volumeClaimTemplates"]
    if [t["metadata"]["name"] for t in claims] != ["state"]:
        fail("no per-pod state volume")
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    if mounts.get("/var/lib/vaultwatch", {}).get("name") != "state":
        fail("the state volume is not mounted at /var/lib/vaultwatch")
    sec = spec["template"]["spec"]["securityContext"]
    if not sec.get("runAsNonRoot") or sec.get("runAsUser", 0) == 0:
        fail("pod may run as root")
    # Memory request = base + the process's state budget, which the pipeline file also gets.
    b = values["stateBudget"]
    want = b["baseMiB"] + b["memoryBudgetMiB"]
    got = mebibytes(c["resources"]["requests"]["memory"])
    if got != want:
        fail(f"memory request {got}Mi, want {want}Mi")
    limit = mebibytes(c["resources"]["limits"]["memory"])
    if limit != want * (100 + b["limitHeadroomPercent"]) // 100:
        fail(f"memory limit {limit}Mi")
    pdb = one(by_kind, "PodDisruptionBudget")
    if pdb["spec"]["selector"]["matchLabels"] != spec["selector"]["matchLabels"]:
        fail("the PodDisruptionBudget does not select the StatefulSet's pods")
    cm = [m for m in by_kind["ConfigMap"] if "pipeline.yaml" in m["data"]]
    if len(cm) != 1:
        fail("no ConfigMap with pipeline.yaml")
    pipeline = yaml.safe_load(cm[0]["data"]["pipeline.yaml"])
    if pipeline["metrics"]["address"] != "0.0.0.0":
        fail("metrics.address is not 0.0.0.0: the kubelet's probes could not reach it")
    if pipeline["state_dir"] != "/var/lib/vaultwatch":
        fail("state_dir is not the volume")
    if pipeline.get("memory_budget_mib") != values["stateBudget"]["memoryBudgetMiB"]:
        fail("the pipeline's memory_budget_mib is not the pod's stateBudget.memoryBudgetMiB")
    if "sasl.password" in pipeline["kafka"].get("common", {}):
        fail("sasl.password in the ConfigMap")
    return sts, c, pipeline


def default(rendered):
    docs, by_kind = load(rendered)
    values = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "../../deploy/helm/vaultwatch/values.yaml")))
    check_common(by_kind, values)
    if "Secret" in by_kind:
        fail("the defaults make a Secret although no password or key is given")
    for kind in ("ServiceMonitor", "PrometheusRule"):
        if kind in by_kind:
            fail(f"{kind} rendered although disabled")
    print(f"chart defaults: {len(docs)} objects ok")


def full(rendered, out_dir):
    docs, by_kind = load(rendered)
    here = os.path.dirname(__file__)
    values = yaml.safe_load(open(os.path.join(here, "../../deploy/helm/vaultwatch/values.yaml")))
    full_values = yaml.safe_load(open(os.path.join(here, "full-values.yaml")))
    for k, v in full_values.items():
        if isinstance(v, dict) and isinstance(values.get(k), dict):
            values[k].update(v)
        else:
            values[k] = v
    sts, c, pipeline = check_common(by_kind, values)
    secrets = {s["metadata"]["name"]: s for s in by_kind.get("Secret", [])}
    if len(secrets) != 2:
        fail(f"expected the SASL and pseudonym-key Secrets, got {sorted(secrets)}")
    password = full_values["kafka"]["sasl"]["password"]
    key = full_values["pseudonymKey"]["value"]
    for d in docs:
        if d["kind"] != "Secret" and (password in yaml.safe_dump(d) or key in yaml.safe_dump(d)):
            fail(f"a secret value appears in the {d['kind']} {d['metadata']['name']}")
    decoded = {base64.b64decode(v).decode() for s in secrets.values() for v in s["data"].values()}
    if decoded != {password, key}:
        fail("the Secrets do not hold the password and the key")
    if pipeline["kafka"]["sasl_password_file"] != "/etc/vaultwatch/secrets/kafka/sasl-password":
        fail("kafka.sasl_password_file")
    if pipeline["privacy"]["key_file"] != "/etc/vaultwatch/secrets/pseudonym/key":
        fail("privacy.key_file")
    if pipeline["alert_format"] != "ocsf" or pipeline["detect_config"] != "/etc/vaultwatch/detect.yaml":
        fail("alert_format / detect_config not carried into pipeline.yaml")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    for path in ("/etc/vaultwatch/secrets/kafka", "/etc/vaultwatch/secrets/pseudonym",
                 "/etc/vaultwatch/threat-intel", "/etc/vaultwatch/detect.yaml"):
        if path not in mounts:
            fail(f"nothing mounted at {path}")
    volumes = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    items = volumes["kafka-secret"]["secret"]["items"]
    if items != [{"key": "sasl-password", "path": "sasl-password"}]:
        fail(f"kafka-secret items {items}")
    for kind in ("ServiceMonitor", "PrometheusRule"):
        one(by_kind, kind)
    rule = one(by_kind, "PrometheusRule")
    names = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]]
    for want in ("VaultwatchWorkerStuck", "VaultwatchConsumerLagGrowing", "VaultwatchUnhealthy",
                 "VaultwatchStateRestoreRunningLong"):
        if want not in names:
            fail(f"PrometheusRule lacks {want}")
    dash = [m for m in by_kind["ConfigMap"] if "vaultwatch-pipeline.json" in m["data"]]
    if len(dash) != 1 or dash[0]["metadata"]["labels"].get("grafana_dashboard") != "1":
        fail("no dashboard ConfigMap labelled for Grafana")
    # The rendered pipeline.yaml with its mounts moved under out_dir: `vaultwatch run
    # --check-config` must accept it.
    os.makedirs(out_dir, exist_ok=True)
    text = yaml.safe_dump(pipeline)
    for src, dst in (("/etc/vaultwatch/secrets/kafka/sasl-password", "sasl-password"),
                     ("/etc/vaultwatch/secrets/pseudonym/key", "pseudonym-key"),
                     ("/etc/vaultwatch/detect.yaml", "detect.yaml")):
        text = text.replace(src, os.path.join(out_dir, dst))
    open(os.path.join(out_dir, "pipeline.yaml"), "w").write(text)
    open(os.path.join(out_dir, "sasl-password"), "w").write(password)
    open(os.path.join(out_dir, "pseudonym-key"), "w").write(key)
    detect_cm = [m for m in by_kind["ConfigMap"] if "detect.yaml" in m["data"]][0]
    # The lists the image ships (/etc/vaultwatch/configs/threat-intel) and the chart mounts
    # (/etc/vaultwatch/threat-intel) are the repository's.
    lists = os.path.abspath("configs/threat-intel")
    detect = detect_cm["data"]["detect.yaml"]
    for mounted in ("/etc/vaultwatch/configs/threat-intel", "/etc/vaultwatch/threat-intel"):
        detect = detect.replace(mounted, lists)
    open(os.path.join(out_dir, "detect.yaml"), "w").write(detect)
    print(f"chart with every option: {len(docs)} objects ok")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "default":
        default(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "full":
        full(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
