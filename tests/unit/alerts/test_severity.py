import pytest

from tests.unit.alerts.groups import alert
from topology.incidents.model import Severity
from topology.incidents.severity import group_severity, severity_of


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("P1", Severity.CRITICAL),
        ("error", Severity.ERROR),
        ("warning", Severity.WARNING),
        (" Warn ", Severity.WARNING),
        ("info", Severity.INFO),
        ("none", Severity.INFO),
        ("whatever", Severity.ERROR),
        (None, Severity.ERROR),
    ],
)
def test_a_severity_label_maps_to_a_paging_severity(label, severity):
    assert severity_of(label) is severity


def test_a_group_takes_the_worst_severity_of_its_alerts():
    alerts = [alert(severity="warning", fingerprint="1"), alert(severity="critical")]

    assert group_severity(alerts) is Severity.CRITICAL
