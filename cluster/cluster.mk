# Make targets for the integration tier's clusters; included by the main Makefile.
#   cluster-build   build and cache all components (Go module proxy -> ~/.cache/ingressdoc)
#   cluster-up      start the two-node test cluster (NODES=1: one node; builds first when needed)
#   cluster-down    stop it, remove everything it created and check that nothing is left
#   cluster-status  show its processes, network and pods
#   kind-up/down    a kind cluster with the same Traefik, for machines with kind and Docker

INGRESSDOC_CLUSTER_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
KIND_CONFIG ?= kind-configs/single-node.yaml
KIND_CLUSTER_NAME ?= ingressdoc

.PHONY: cluster-setup cluster-build cluster-up cluster-down cluster-status kind-up kind-down

cluster-setup:
	$(INGRESSDOC_CLUSTER_DIR)/setup.sh

cluster-build:
	$(INGRESSDOC_CLUSTER_DIR)/build.sh

cluster-up: cluster-setup
	$(INGRESSDOC_CLUSTER_DIR)/up.sh

cluster-down:
	$(INGRESSDOC_CLUSTER_DIR)/down.sh

cluster-status:
	$(INGRESSDOC_CLUSTER_DIR)/status.sh

kind-up:
	KIND_CONFIG=$(KIND_CONFIG) KIND_CLUSTER_NAME=$(KIND_CLUSTER_NAME) $(INGRESSDOC_CLUSTER_DIR)/kind.sh up

kind-down:
	KIND_CLUSTER_NAME=$(KIND_CLUSTER_NAME) $(INGRESSDOC_CLUSTER_DIR)/kind.sh down
