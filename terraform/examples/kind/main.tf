# A throwaway kind cluster with the operator, for trying things locally (needs Docker).
#   terraform init && terraform apply
# Load locally built images first: job-images/build.sh dev && kind load docker-image ... --name spo
terraform {
  required_providers {
    kind       = { source = "tehcyx/kind", version = ">= 0.4" }
    helm       = { source = "hashicorp/helm", version = ">= 2.12, < 3.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = ">= 2.25" }
  }
}

resource "kind_cluster" "spo" {
  name           = "spo"
  wait_for_ready = true
}

provider "kubernetes" {
  host                   = kind_cluster.spo.endpoint
  cluster_ca_certificate = kind_cluster.spo.cluster_ca_certificate
  client_certificate     = kind_cluster.spo.client_certificate
  client_key             = kind_cluster.spo.client_key
}

provider "helm" {
  kubernetes {
    host                   = kind_cluster.spo.endpoint
    cluster_ca_certificate = kind_cluster.spo.cluster_ca_certificate
    client_certificate     = kind_cluster.spo.client_certificate
    client_key             = kind_cluster.spo.client_key
  }
}

module "streaming" {
  source         = "../../modules/streaming-pipeline-operator"
  image_registry = "docker.io/library"
  image_tag      = "dev"
  extra_values   = yamlencode({ image = { pullPolicy = "Never" } })
}
