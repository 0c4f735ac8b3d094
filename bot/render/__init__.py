"""Turning answers into what a person reads: text tables, later Slack blocks and pictures."""
