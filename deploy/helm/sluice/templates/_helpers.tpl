{{/* The release's resource name: the release, or release-sluice when the release is named otherwise. */}}
{{- define "sluice.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sluice.labels" -}}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sluice.secretName" -}}
{{- default (include "sluice.fullname" .) .Values.secret.existingSecret -}}
{{- end -}}

{{/*
The configuration file: .Values.config with what the chart owns set from the other values.
*/}}
{{- define "sluice.config" -}}
{{- $cfg := deepCopy .Values.config -}}
{{- $server := default dict (get $cfg "server") -}}
{{- $_ := set $server "port" (int .Values.service.port) -}}
{{- $_ := set $server "admin_port" (int .Values.adminService.port) -}}
{{- $_ := set $cfg "server" $server -}}
{{- $redis := default dict (get $cfg "redis") -}}
{{- $_ := set $redis "mode" .Values.redis.mode -}}
{{- $_ := set $redis "addresses" .Values.redis.addresses -}}
{{- $_ := set $cfg "redis" $redis -}}
{{- $jobs := default dict (get $cfg "jobs") -}}
{{- $_ := set $jobs "launcher" .Values.builds.launcher -}}
{{- $_ := set $jobs "default_namespace" .Values.builds.defaultNamespace -}}
{{- $_ := set $cfg "jobs" $jobs -}}
{{- if eq .Values.builds.launcher "kubernetes" -}}
{{- $k8s := default dict (get $cfg "k8s") -}}
{{- $_ := set $k8s "namespaces" .Values.builds.namespaces -}}
{{- $_ := set $cfg "k8s" $k8s -}}
{{- end -}}
{{- toYaml $cfg -}}
{{- end -}}
