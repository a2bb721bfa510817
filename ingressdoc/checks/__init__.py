"""The finding catalog and the helpers checks use to raise its codes."""
