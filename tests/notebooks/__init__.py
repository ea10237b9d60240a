"""Tests of the notebook series: its shape, make lab and make present."""
