"""Test helpers for the Slack face: a fake Slack Web API and signed Slack requests."""
