{{- define "spo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "spo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "spo.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "spo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "spo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* What the operator may do where pipelines live; kept equal to deploy/operator-rbac.yaml (a test checks). */}}
{{- define "spo.pipelineRules" -}}
# the pipelines: read spec, write status; finalizers so owner references may block deletion
- apiGroups: [streaming.pipelines.dev]
  resources: [streamingpipelines]
  verbs: [get, list, watch]
- apiGroups: [streaming.pipelines.dev]
  resources: [streamingpipelines/status]
  verbs: [get, update, patch]
- apiGroups: [streaming.pipelines.dev]
  resources: [streamingpipelines/finalizers]
  verbs: [update]
# what each pipeline owns; the driver's Role grants a subset of this rule, which the operator
# must hold itself (Kubernetes refuses to let it grant more than it has)
- apiGroups: [""]
  resources: [pods, services, configmaps, persistentvolumeclaims]
  verbs: [get, list, watch, create, update, patch, delete, deletecollection]
# the driver's control token (derived from the pipeline's UID and the operator's key): created,
# and replaced whole (PUT) when the key changed; never read
- apiGroups: [""]
  resources: [secrets]
  verbs: [create, update]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, list, watch, create, update, patch, delete]
# Spark's driver builder adds a NetworkPolicy per attempt (its executors take connections from
# that application only); the operator adds each pipeline's egress NetworkPolicies
# (tenantPolicy.egress.networkPolicy)
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
# the checkpoint Lease of each pipeline (fencing): created by the operator, renewed by its driver
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, patch]
# decisions as Events
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch, update]
{{- end -}}

{{- define "spo.leaseRules" -}}
# one active replica
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, list, watch, create, update, patch]
{{- end -}}

{{/* The namespaces whose pipelines this release runs, as a JSON list (watchAllNamespaces: none listed). */}}
{{- define "spo.watchNamespaces" -}}
{{- if not .Values.watchNamespaces -}}
{{- fail "watchNamespaces: name at least one namespace for pipelines (not the operator's own), or set watchAllNamespaces: true" -}}
{{- end -}}
{{- toJson .Values.watchNamespaces -}}
{{- end -}}

{{/* The runner image pipelines get unless they set spec.image. */}}
{{- define "spo.runnerImage" -}}
{{- printf "%s:%s" .Values.runnerImage.repository (.Values.runnerImage.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* Images pipelines may run: the runner image, then tenantPolicy.allowedImages, comma-separated. */}}
{{- define "spo.allowedImages" -}}
{{- join "," (prepend .Values.tenantPolicy.allowedImages (include "spo.runnerImage" .)) -}}
{{- end -}}
