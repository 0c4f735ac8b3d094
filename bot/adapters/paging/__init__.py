"""Sending what incidents decide: pages (PagerDuty) and posts (a Slack app, through a port)."""
