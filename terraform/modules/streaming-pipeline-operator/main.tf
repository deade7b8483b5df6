locals {
  chart = coalesce(var.chart, "${path.module}/../../../charts/streaming-pipeline-operator")
  values = {
    image              = merge({ repository = "${var.image_registry}/streaming-pipeline-operator" }, var.image_tag == "" ? {} : { tag = var.image_tag })
    runnerImage        = merge({ repository = "${var.image_registry}/streaming-pipeline-runner" }, var.image_tag == "" ? {} : { tag = var.image_tag })
    watchNamespaces    = var.watch_namespaces
    watchAllNamespaces = var.watch_all_namespaces
    metrics = {
      serviceMonitor   = { enabled = var.service_monitor }
      podMonitor       = { enabled = var.service_monitor }
      grafanaDashboard = { enabled = var.grafana_dashboard }
    }
  }
  pipelines = { for f in var.pipeline_files : basename(f) => yamldecode(file(f)) }
}

resource "kubernetes_namespace_v1" "operator" {
  count = var.create_namespace ? 1 : 0
  metadata {
    name = var.namespace
  }
}

resource "helm_release" "operator" {
  name       = var.release_name
  namespace  = var.namespace
  chart      = local.chart
  repository = var.chart_repository
  version    = var.chart_version
  # The chart's crds/ directory installs the StreamingPipeline CRD.
  skip_crds = false
  wait      = true
  values    = compact([yamlencode(local.values), var.extra_values])

  depends_on = [kubernetes_namespace_v1.operator]
}

resource "kubernetes_manifest" "pipeline" {
  for_each = local.pipelines
  manifest = each.value

  # The operator writes status only; Terraform owns spec, so plans show no drift.
  computed_fields = ["metadata.labels", "metadata.annotations", "status"]

  wait {
    condition {
      type   = "Ready"
      status = "True"
    }
  }
  timeouts {
    create = "10m"
    update = "10m"
  }

  depends_on = [helm_release.operator]
}
