"""Everything a person or another system touches: settings, CLI, Slack, web, alerts."""
