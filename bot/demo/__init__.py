"""`svcmap demo`: a simulated online shop that feeds svcmap through its own OTLP receiver."""
