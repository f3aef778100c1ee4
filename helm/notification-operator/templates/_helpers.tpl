{{/*
Chart name, truncated to a DNS label.
*/}}
{{- define "notification-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the release name when it already contains the chart name, else <release>-<chart>.
Cut at 47 characters, not 63, because objects are named <fullname>-<suffix> and the longest
suffix, "-leader-election", is 16: every generated name then stays a DNS label (63) even with
helm's longest release name (53). values.schema.json limits fullnameOverride to the same 47.
Helm allows dots in release names; a Service name may not contain one, so they become dashes.
*/}}
{{- define "notification-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | replace "." "-" | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | replace "." "-" | trunc 47 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart label value: name-version.
*/}}
{{- define "notification-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable for the life of the release (a Deployment selector is immutable).
*/}}
{{- define "notification-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "notification-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels on every object the chart renders.
*/}}
{{- define "notification-operator.labels" -}}
helm.sh/chart: {{ include "notification-operator.chart" . }}
{{ include "notification-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: notification-pipeline
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
ServiceAccount the operator runs as.
*/}}
{{- define "notification-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "notification-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: repository@digest, or repository:tag (tag defaults to appVersion).
*/}}
{{- define "notification-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Namespace of the leader-election Lease.
*/}}
{{- define "notification-operator.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/*
What the operator does in each namespace it watches, and nothing more. Kept in step with the
operator's code by RbacChartTest (a declared list, cross-checked against the requests the operator
makes against a mock API server):
- NotificationPipeline, CacheConfig: list/watch (JOSDK informers); status patch (status writes;
  server-side apply is off and the operator never edits spec).
- NotificationPipeline patch: only to add and remove the Pub/Sub clean-up finalizer on pipelines
  with spec.pubsub.deletionPolicy: Delete (the one metadata write the operator makes).
- notificationpipelines/finalizers update: no request uses it; the API server demands it when the
  OwnerReferencesPermissionEnforcement admission plugin (e.g. OpenShift) checks the
  blockOwnerDeletion owner references the operator sets on the workers' objects.
- Deployments, ConfigMaps, Services: list/watch (informers, label selector managed-by) and
  create/update (non-SSA dependents update with PUT). They are deleted by the garbage collector
  through owner references, never by the operator.
- PodDisruptionBudgets: the same plus delete (dropped when replicas fall to 1 or below).
- Secrets: list/watch (the pipeline controller's informer) and get (the CacheConfig check reads
  its one password Secret).
- Events: create (core/v1 Events on bad specs and unreachable Redis).
*/}}
{{- define "notification-operator.rules" -}}
- apiGroups: ["infra.vibework.io"]
  resources: ["notificationpipelines", "cacheconfigs"]
  verbs: ["list", "watch"]
- apiGroups: ["infra.vibework.io"]
  resources: ["notificationpipelines/status", "cacheconfigs/status"]
  verbs: ["patch"]
- apiGroups: ["infra.vibework.io"]
  resources: ["notificationpipelines"]
  verbs: ["patch"]
- apiGroups: ["infra.vibework.io"]
  resources: ["notificationpipelines/finalizers"]
  verbs: ["update"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["list", "watch", "create", "update"]
- apiGroups: [""]
  resources: ["configmaps", "services"]
  verbs: ["list", "watch", "create", "update"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["list", "watch", "create", "update", "delete"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- /* spec.autoscaling: the KEDA ScaledObject and TriggerAuthentication a pipeline owns (plain GETs, no informer). */}}
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects", "triggerauthentications"]
  verbs: ["get", "create", "update", "delete"]
{{- end }}
