variable "namespace" {
  description = "Namespace the operator runs in (created unless create_namespace is false)."
  type        = string
  default     = "streaming-system"
}

variable "create_namespace" {
  description = "Create the operator's namespace."
  type        = bool
  default     = true
}

variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "streaming-pipeline-operator"
}

variable "chart" {
  description = "Chart reference: a local path (default: this repository's chart) or a chart name with chart_repository."
  type        = string
  default     = null
}

variable "chart_repository" {
  description = "Helm repository URL when chart is a name; null for a local path."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "Chart version when installing from a repository."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag of the operator and runner images; empty: the chart's appVersion."
  type        = string
  default     = ""
}

variable "image_registry" {
  description = "Registry and path prefix of both images."
  type        = string
  default     = "ghcr.io/streaming-pipelines"
}

variable "watch_namespaces" {
  description = "Namespaces whose pipelines the operator runs (created by the chart, restricted Pod Security); never the operator's own by default."
  type        = list(string)
  default     = ["streaming-pipelines"]
}

variable "watch_all_namespaces" {
  description = "Run pipelines in every namespace (a ClusterRole) instead of the listed ones."
  type        = bool
  default     = false
}

variable "service_monitor" {
  description = "Create a Prometheus Operator ServiceMonitor (operator) and PodMonitor (drivers)."
  type        = bool
  default     = false
}

variable "grafana_dashboard" {
  description = "Ship the Grafana dashboard as a ConfigMap for Grafana's sidecar."
  type        = bool
  default     = false
}

variable "extra_values" {
  description = "More chart values, as YAML (merged after the ones above)."
  type        = string
  default     = ""
}

variable "pipeline_files" {
  description = <<-EOT
    StreamingPipeline manifests (YAML files) to apply after the operator. Terraform's
    kubernetes_manifest needs the CRD during plan: on a fresh cluster, apply once with
    -target=module.<name>.helm_release.operator, then everything.
  EOT
  type        = list(string)
  default     = []
}
