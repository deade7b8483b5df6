output "namespace" {
  description = "Namespace the operator runs in."
  value       = var.namespace
}

output "release" {
  description = "Helm release name and chart version installed."
  value = {
    name    = helm_release.operator.name
    version = helm_release.operator.metadata[0].version
  }
}

output "pipelines" {
  description = "Applied pipelines as namespace/name."
  value       = [for p in kubernetes_manifest.pipeline : "${p.manifest.metadata.namespace}/${p.manifest.metadata.name}"]
}
