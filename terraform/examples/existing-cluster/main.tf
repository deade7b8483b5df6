# The operator and two pipelines on a cluster you already have (your kubeconfig's context).
#   terraform init && terraform apply -target=module.streaming.helm_release.operator && terraform apply
terraform {
  required_providers {
    helm       = { source = "hashicorp/helm", version = ">= 2.12, < 3.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = ">= 2.25" }
  }
}

variable "kubeconfig" {
  type    = string
  default = "~/.kube/config"
}

variable "context" {
  type    = string
  default = null
}

provider "kubernetes" {
  config_path    = pathexpand(var.kubeconfig)
  config_context = var.context
}

provider "helm" {
  kubernetes {
    config_path    = pathexpand(var.kubeconfig)
    config_context = var.context
  }
}

module "streaming" {
  source            = "../../modules/streaming-pipeline-operator"
  image_tag         = "0.1.0"
  watch_namespaces  = ["analytics"]
  service_monitor   = true
  grafana_dashboard = true
  pipeline_files    = [for f in fileset(path.module, "pipelines/*.yaml") : "${path.module}/${f}"]
}

output "pipelines" {
  value = module.streaming.pipelines
}
