"""Tests of esbank.eventstore."""
