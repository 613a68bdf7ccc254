"""Bulk import of areas, units and members from the spreadsheets communities keep."""
