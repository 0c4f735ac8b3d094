"""The Slack client: what svcmap sends to Slack, and what it reads of it.

Posting and uploading (`delivery`), incident posts (`notifier`), early warnings'
heads-ups (`heads_up`), and the user groups and names it reads (`members`, `people`).
"""
