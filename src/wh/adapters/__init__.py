"""Adapters: one external system per module (index, downloads, builds, resolvers, git, pex)."""
