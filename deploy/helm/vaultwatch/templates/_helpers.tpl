{{- define "vaultwatch.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "vaultwatch.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "vaultwatch.labels" -}}
app.kubernetes.io/name: {{ include "vaultwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "vaultwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vaultwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The Secret holding sasl.password: the user's, or the chart's own. "" when SASL is off. */}}
{{- define "vaultwatch.saslSecret" -}}
{{- if .Values.kafka.sasl.existingSecret -}}
{{- .Values.kafka.sasl.existingSecret -}}
{{- else if .Values.kafka.sasl.password -}}
{{- printf "%s-kafka" (include "vaultwatch.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "vaultwatch.saslSecretKey" -}}
{{- if .Values.kafka.sasl.existingSecret -}}{{ .Values.kafka.sasl.existingSecretKey }}{{- else -}}sasl-password{{- end -}}
{{- end -}}

{{- define "vaultwatch.keySecret" -}}
{{- if .Values.pseudonymKey.existingSecret -}}
{{- .Values.pseudonymKey.existingSecret -}}
{{- else if .Values.pseudonymKey.value -}}
{{- printf "%s-pseudonym-key" (include "vaultwatch.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "vaultwatch.keySecretKey" -}}
{{- if .Values.pseudonymKey.existingSecret -}}{{ .Values.pseudonymKey.existingSecretKey }}{{- else -}}pseudonym-key{{- end -}}
{{- end -}}

{{/*
Stores per pod: the detector stages' input partitions (by_vault + by_caller of the stages this
deployment runs) spread over the replicas, rounded up.
*/}}
{{/* The pod's state budget: the pipeline's memory_budget_mib if set, else stateBudget's. */}}
{{- define "vaultwatch.memoryBudgetMiB" -}}
{{- .Values.pipeline.memory_budget_mib | default .Values.stateBudget.memoryBudgetMiB | int -}}
{{- end -}}

{{- define "vaultwatch.memoryRequest" -}}
{{- if and .Values.resources.requests .Values.resources.requests.memory -}}
{{- .Values.resources.requests.memory -}}
{{- else -}}
{{- $b := .Values.stateBudget -}}
{{- printf "%dMi" (int (add $b.baseMiB (include "vaultwatch.memoryBudgetMiB" . | int))) -}}
{{- end -}}
{{- end -}}

{{- define "vaultwatch.memoryLimit" -}}
{{- if and .Values.resources.limits .Values.resources.limits.memory -}}
{{- .Values.resources.limits.memory -}}
{{- else -}}
{{- $b := .Values.stateBudget -}}
{{- $req := add $b.baseMiB (include "vaultwatch.memoryBudgetMiB" . | int) -}}
{{- printf "%dMi" (int (div (mul $req (add 100 $b.limitHeadroomPercent)) 100)) -}}
{{- end -}}
{{- end -}}

{{/*
pipeline.yaml: the user's pipeline values, plus what each pod owns (state dir on its volume,
metrics on 0.0.0.0 so that the kubelet's probes and Prometheus reach it, the mounted files).
instance_id comes from the pod name on the command line (--instance-id).
*/}}
{{- define "vaultwatch.pipelineConfig" -}}
{{- $p := deepCopy .Values.pipeline -}}
{{- $_ := set $p "state_dir" "/var/lib/vaultwatch" -}}
{{- $_ := set $p "memory_budget_mib" (include "vaultwatch.memoryBudgetMiB" . | int) -}}
{{- $_ := set $p "metrics" (dict "address" "0.0.0.0" "port" (int .Values.metrics.port)) -}}
{{- if .Values.detectConfig -}}
{{- $_ := set $p "detect_config" "/etc/vaultwatch/detect.yaml" -}}
{{- end -}}
{{- $kafka := dict "bootstrap_servers" .Values.kafka.bootstrapServers "common" .Values.kafka.common "consumer" .Values.kafka.consumer "producer" .Values.kafka.producer -}}
{{- if include "vaultwatch.saslSecret" . -}}
{{- $_ := set $kafka "sasl_password_file" "/etc/vaultwatch/secrets/kafka/sasl-password" -}}
{{- end -}}
{{- $_ := set $p "kafka" $kafka -}}
{{- if include "vaultwatch.keySecret" . -}}
{{- $privacy := deepCopy ($p.privacy | default dict) -}}
{{- $_ := set $privacy "key_file" "/etc/vaultwatch/secrets/pseudonym/key" -}}
{{- $_ := set $p "privacy" $privacy -}}
{{- end -}}
{{- toYaml $p -}}
{{- end -}}
