"""Use cases: gather through adapters, decide in the pure core, return the answer."""
