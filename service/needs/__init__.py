"""Residents' needs (诉求): intake, lifecycle, time limits, transfer, feedback and public disclosure."""
