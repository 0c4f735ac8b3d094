"""Incidents from alerts: the alert model, the webhook's wire format and the paging decisions."""
