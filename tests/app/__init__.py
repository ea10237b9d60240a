"""Tests of esbank.app."""
