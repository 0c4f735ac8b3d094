"""Alert groups for the tests, built as Alertmanager would send them."""

from __future__ import annotations

from topology.incidents.model import Alert, AlertGroup, AlertStatus

T0 = 1_786_011_330


def alert(
    service: str | None = "checkout",
    *,
    status: AlertStatus = AlertStatus.FIRING,
    starts_at: int = T0,
    fingerprint: str = "f1",
    label: str = "service",
    severity: str = "page",
    **labels: str,
) -> Alert:
    names = {"alertname": "HighErrorRate", "severity": severity, **labels}
    if service is not None:
        names[label] = service
    return Alert(
        status=status,
        labels=names,
        annotations={"summary": "5xx ratio above 5%"},
        starts_at=starts_at,
        ends_at=None if status is AlertStatus.FIRING else starts_at + 600,
        generator_url="http://prometheus:9090/graph?g0.expr=up",
        fingerprint=fingerprint,
    )


def group(*alerts: Alert, key: str = '{}:{alertname="HighErrorRate"}') -> AlertGroup:
    chosen = alerts or (alert(),)
    status = (
        AlertStatus.FIRING
        if any(a.status is AlertStatus.FIRING for a in chosen)
        else AlertStatus.RESOLVED
    )
    return AlertGroup(
        group_key=key,
        status=status,
        receiver="svcmap",
        alerts=chosen,
        common_labels={"alertname": "HighErrorRate"},
        external_url="http://alertmanager:9093",
    )
