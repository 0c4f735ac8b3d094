"""The Slack face of svcmap: `/svcmap`, drill-down buttons, access control, delivery."""
