"""Tests of esbank.domain."""
