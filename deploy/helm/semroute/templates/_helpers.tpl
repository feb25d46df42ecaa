{{/* Chart name, truncated to the 63 characters Kubernetes allows in a label. */}}
{{- define "semroute.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release>-<chart>, or <release> when the release name already contains the chart name. */}}
{{- define "semroute.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "semroute.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "semroute.selectorLabels" -}}
app.kubernetes.io/name: {{ include "semroute.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "semroute.labels" -}}
helm.sh/chart: {{ include "semroute.chart" . }}
{{ include "semroute.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: router
{{- end -}}

{{- define "semroute.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "semroute.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "semroute.configMapName" -}}
{{- default (printf "%s-config" (include "semroute.fullname" .)) .Values.existingConfigMap -}}
{{- end -}}

{{- define "semroute.modelsClaimName" -}}
{{- default (printf "%s-models" (include "semroute.fullname" .)) .Values.models.persistence.existingClaim -}}
{{- end -}}
