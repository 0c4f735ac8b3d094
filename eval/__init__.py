"""Evaluations of svcmap's answers on labelled public data."""
